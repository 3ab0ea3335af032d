/**
 * One writer at a time: a lock file holding "<pid> <start time>". The
 * start time (field 22 of /proc/<pid>/stat) tells a live holder from a dead one whose pid
 * was reused. A lock left by a killed process is stale and is taken over; a live holder
 * is waited for up to `waitMs`, then refused with its pid.
 *
 * The lock appears with its content in one step (hard link of a private file), so a reader
 * never sees it empty.
 *
 * Assumption: two processes do not find the same stale lock at the same instant (the
 * take-over is unlink-then-create; a race there could let both proceed). Readers (`ls`)
 * take no lock: they read committed state only.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { ImageStoreError } from "./image-errors.js";

function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (comm) may contain spaces; fields after the closing ')' are space separated.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19] ?? null; // field 22 overall = index 19 after pid and comm
  } catch {
    return null;
  }
}

function holderAlive(text: string): { pid: number; alive: boolean } {
  const [pidText, start] = text.trim().split(" ");
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return { pid, alive: false };
  const now = startTime(pid);
  return { pid, alive: now !== null && now === start };
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** How long to wait for a live holder; XENLAB_IMAGES_LOCK_WAIT_MS overrides (tests). */
const DEFAULT_WAIT_MS = Number(process.env.XENLAB_IMAGES_LOCK_WAIT_MS) || 10_000;

/** Takes the lock at `path`; returns the release function. */
export function acquireLock(path: string, waitMs = DEFAULT_WAIT_MS): () => void {
  const me = `${process.pid} ${startTime(process.pid) ?? "?"}\n`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    // Create the lock with its content in one step: write a private file, hard-link it.
    const mine = `${path}.${process.pid}`;
    writeFileSync(mine, me);
    let linked = false;
    try {
      linkSync(mine, path);
      linked = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    } finally {
      unlinkSync(mine);
    }
    if (linked) {
      return () => {
        try {
          if (readFileSync(path, "utf8") === me) unlinkSync(path);
        } catch {
          // already gone
        }
      };
    }
    let text = "";
    try {
      text = readFileSync(path, "utf8");
    } catch {
      continue; // released between our open and read
    }
    const holder = holderAlive(text);
    if (!holder.alive) {
      try {
        unlinkSync(path); // stale: its holder was killed
      } catch {
        // someone else removed it
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new ImageStoreError("locked", `the store is in use by process ${holder.pid} (lock file ${path})`);
    }
    sleepMs(20);
  }
}
