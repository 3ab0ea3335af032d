/**
 * A file's extent map from the kernel's FIEMAP ioctl (`FS_IOC_FIEMAP`, Linux
 * `include/uapi/linux/fiemap.h`), read through `filefrag -v -s` from e2fsprogs (Debian
 * priority "required", so present wherever the store runs); Node cannot issue ioctls
 * itself. `-s` asks for FIEMAP_FLAG_SYNC so delayed allocations are resolved first.
 *
 * Each extent gives logical and physical byte ranges and flags; the ones we use are
 * FIEMAP_EXTENT_SHARED (0x2000, "space shared with other files": set by XFS and btrfs on
 * reflinked extents) and FIEMAP_EXTENT_UNWRITTEN (0x800, allocated but reads as zeros).
 * filefrag prints them as the words "shared" and "unwritten".
 *
 * Returns null when the file system has no FIEMAP (tmpfs), so callers fall back to
 * st_blocks and say the sharing figures are unknown.
 */
import { spawnSync } from "node:child_process";

export interface Extent {
  /** Byte offset in the file. */
  logical: number;
  /** Byte offset on the device. */
  physical: number;
  length: number;
  shared: boolean;
  unwritten: boolean;
}

/** `  0:     0..  25599:   24..  25623:  25600:   [expected:]  last,shared,eof` */
const EXTENT_LINE = /^\s*\d+:\s*(\d+)\.\.\s*(\d+):\s*(\d+)\.\.\s*(\d+):\s*(\d+):\s*(?:\d+:)?\s*(.*)$/;
const BLOCK_SIZE = /\((\d+) blocks? of (\d+) bytes\)/;

/** Parses `filefrag -v` output; exported for tests. */
export function parseFilefrag(text: string): Extent[] | null {
  const bs = BLOCK_SIZE.exec(text);
  if (!bs) return null;
  const block = Number(bs[2]);
  const out: Extent[] = [];
  for (const line of text.split("\n")) {
    const m = EXTENT_LINE.exec(line);
    if (!m) continue;
    const flags = m[6].split(",").map((f) => f.trim());
    out.push({
      logical: Number(m[1]) * block,
      physical: Number(m[3]) * block,
      length: Number(m[5]) * block,
      shared: flags.includes("shared"),
      unwritten: flags.includes("unwritten"),
    });
  }
  return out;
}

/** The extents of `path`, or null when FIEMAP is unavailable on its file system. */
export function readExtents(path: string): Extent[] | null {
  const r = spawnSync("filefrag", ["-v", "-s", path], { encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === "ENOENT") return null; // no filefrag at all
    throw r.error;
  }
  if (r.status !== 0) return null;
  return parseFilefrag(r.stdout);
}
