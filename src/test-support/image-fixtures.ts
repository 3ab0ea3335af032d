/**
 * Fixtures for the image-store tests: a loop-mounted XFS with reflink=1 (root only), a
 * small tmpfs, sparse template files with known data, and wrappers around Debian's
 * qemu-img / qemu-io (package qemu-utils) and mkfs.xfs (xfsprogs).
 *
 * A file system that cannot be made here (not root, no loop device) is returned as
 * `{ ok: false, reason }` so the test can say so plainly; with XENLAB_REQUIRE_LOOP=1 the
 * test fails instead of being skipped.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LoopFs, mountLoopFs } from "../images/loop-fs.js";

export type Mounted = LoopFs;

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return {
    ok: r.status === 0,
    out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? r.error.message : ""}`.trim(),
  };
}

/** A fresh XFS (reflink=1) of `sizeMiB` in a sparse loop file, mounted in a temp dir. */
export function mountXfsReflink(sizeMiB = 512): Mounted {
  return mountLoopFs("xfs-reflink", sizeMiB);
}

/** A small tmpfs (for "not enough space" tests). */
export function mountTmpfs(sizeMiB: number): Mounted {
  if (process.getuid?.() !== 0) return { ok: false, reason: "not running as root (mount needs root)" };
  const dir = mkdtempSync(join(tmpdir(), "xenlab-tmpfs-"));
  const m = run("mount", ["-t", "tmpfs", "-o", `size=${sizeMiB}m`, "tmpfs", dir]);
  if (!m.ok) {
    rmSync(dir, { recursive: true, force: true });
    return { ok: false, reason: `cannot mount tmpfs: ${m.out}` };
  }
  return {
    ok: true,
    dir,
    cleanup: () => {
      run("umount", [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether a test that needs a mount must fail (rather than skip) when it is unavailable. */
export const REQUIRE_LOOP = process.env.XENLAB_REQUIRE_LOOP === "1";

/**
 * Writes a sparse raw image of `size` bytes with `chunks` regions of non-zero,
 * deterministic bytes (`chunkBytes` each, spread evenly). Returns the data bytes written.
 */
export function writeTemplate(
  path: string,
  size: number,
  chunks: number,
  chunkBytes: number,
  seed = 1,
): number {
  const fd = openSync(path, "wx");
  try {
    const buf = Buffer.alloc(chunkBytes);
    let x = seed >>> 0 || 1;
    const stride = Math.floor(size / chunks / 4096) * 4096;
    for (let c = 0; c < chunks; c++) {
      for (let i = 0; i < chunkBytes; i += 4) {
        // xorshift32: cheap, deterministic, never all zero
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        buf.writeUInt32LE(x >>> 0, i);
      }
      writeSync(fd, buf, 0, chunkBytes, c * stride);
    }
    execFileSync("truncate", ["-s", String(size), path]);
    return chunks * chunkBytes;
  } finally {
    closeSync(fd);
  }
}

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

export function qemuImg(args: string[]): { code: number; out: string } {
  const r = spawnSync("qemu-img", args, { encoding: "utf8" });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

export interface QemuInfo {
  format: string;
  "virtual-size": number;
  "backing-filename"?: string;
  "full-backing-filename"?: string;
  "backing-filename-format"?: string;
}

export function qemuInfo(path: string): QemuInfo {
  return JSON.parse(
    execFileSync("qemu-img", ["info", "--output=json", "-U", path], { encoding: "utf8" }),
  ) as QemuInfo;
}

/** `qemu-io -c "write -P <pattern> <off> <len>"` on a qcow2 or raw image. */
export function qemuWrite(path: string, format: string, pattern: number, off: number, len: number): void {
  execFileSync("qemu-io", ["-f", format, "-c", `write -P ${pattern} ${off} ${len}`, path], {
    stdio: "ignore",
  });
}

/** Metadata bytes and file listing of a store: equal before and after = store unchanged. */
export function storeFingerprint(root: string): string {
  const read = (f: string): string => {
    try {
      return readFileSync(join(root, f), "utf8");
    } catch {
      return "";
    }
  };
  const list = (d: string): string => {
    try {
      return readdirSync(join(root, d)).sort().join(",");
    } catch {
      return "";
    }
  };
  return JSON.stringify([read("store.json"), read("store.log"), list("images"), list("staging")]);
}
