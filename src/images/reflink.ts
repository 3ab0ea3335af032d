/**
 * Reflink: a copy-on-write clone of a whole file, the FICLONE ioctl (Linux
 * `include/uapi/linux/fs.h`: `FICLONE _IOW(0x94, 9, int)`, since 4.5; XFS with
 * reflink=1, btrfs, OCFS2 where Tao Ma and Joel Becker's reflink began in 2.6.32). The new
 * inode shares every extent of the source; the file system copies a block only when one
 * side writes it, so the clone costs O(extents), not O(bytes).
 *
 * Node reaches it through `fs.copyFileSync(src, dst, COPYFILE_FICLONE_FORCE)` (libuv's
 * uv_fs_copyfile with UV_FS_COPYFILE_FICLONE_FORCE), which clones or fails; it never
 * copies silently, and on failure leaves no destination file (checked by the tests).
 */
import { constants, copyFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fsyncPath } from "./durable-file.js";

export interface ReflinkProbe {
  supported: boolean;
  /** Why not, as the kernel said it (e.g. "EOPNOTSUPP"), when unsupported. */
  reason: string;
}

/** Clones `src` to the new file `dst` by reflink; throws (with no `dst` left) if it cannot. */
export function reflinkFile(src: string, dst: string, sync = true): void {
  copyFileSync(src, dst, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE);
  if (sync) fsyncPath(dst);
}

/** Tries a reflink in `dir` (on the file system that will hold the images). */
export function probeReflink(dir: string): ReflinkProbe {
  const a = join(dir, `.reflink-probe-${process.pid}`);
  const b = `${a}.clone`;
  try {
    writeFileSync(a, Buffer.alloc(4096, 0x5a));
    reflinkFile(a, b, false);
    return { supported: true, reason: "" };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { supported: false, reason: err.code ?? err.message };
  } finally {
    rmSync(a, { force: true });
    rmSync(b, { force: true });
  }
}
