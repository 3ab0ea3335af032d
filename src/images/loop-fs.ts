/**
 * Throw-away file systems in sparse loop files, for the image store's tests and
 * benchmark: XFS with reflink=1 (xfsprogs' mkfs.xfs) or ext4 (e2fsprogs' mkfs.ext4),
 * mounted with `mount -o loop` in a fresh temporary folder. Needs root and a free loop
 * device; when either is missing the result says why ({ ok: false, reason }) so the caller
 * can report it instead of passing silently. `cleanup` unmounts and deletes everything; it
 * also runs when the process exits, so a mount never outlives its test or benchmark.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";

export type LoopFs = { ok: true; dir: string; cleanup: () => void } | { ok: false; reason: string };

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return {
    ok: r.status === 0,
    out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? r.error.message : ""}`.trim(),
  };
}

/** Whether loop mounts can work here (root, a free loop device, the mkfs tools). */
export function loopAvailable(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: "not running as root (mount needs root)" };
  const l = run("losetup", ["-f"]);
  if (!l.ok) return { ok: false, reason: `no free loop device: ${l.out}` };
  const x = run("sh", ["-c", "command -v mkfs.xfs"]);
  if (!x.ok) return { ok: false, reason: "mkfs.xfs is not installed (apt-get install xfsprogs)" };
  return { ok: true };
}

/** Makes and mounts a `kind` file system of `sizeMiB` (sparse) under `parent`. */
export function mountLoopFs(kind: "xfs-reflink" | "ext4", sizeMiB: number, parent = "/var/tmp"): LoopFs {
  if (process.getuid?.() !== 0) return { ok: false, reason: "not running as root (mount needs root)" };
  const base = mkdtempSync(join(parent, `xenlab-${kind}-`));
  const img = join(base, "fs.img");
  const dir = join(base, "mnt");
  mkdirSync(dir);
  const fail = (reason: string): LoopFs => {
    rmSync(base, { recursive: true, force: true });
    return { ok: false, reason };
  };
  const t = run("truncate", ["-s", `${sizeMiB}M`, img]);
  if (!t.ok) return fail(`truncate failed: ${t.out}`);
  const mk =
    kind === "xfs-reflink"
      ? run("mkfs.xfs", ["-q", "-m", "reflink=1", img])
      : run("mkfs.ext4", ["-q", "-F", img]);
  if (!mk.ok) return fail(`mkfs for ${kind} failed: ${mk.out}`);
  const m = run("mount", ["-o", "loop", img, dir]);
  if (!m.ok) return fail(`cannot loop-mount a ${kind} file system here (no loop device?): ${m.out}`);
  let mounted = true;
  const cleanup = (): void => {
    if (!mounted) return;
    mounted = false;
    process.off("exit", cleanup);
    run("umount", [dir]);
    rmSync(base, { recursive: true, force: true });
  };
  process.on("exit", cleanup);
  return { ok: true, dir, cleanup };
}
