/**
 * A full, independent copy of a file that keeps holes: only the file's data extents
 * (FIEMAP, unwritten extents excluded) are read, and chunks that are entirely zero are
 * left as holes in the copy, as `cp --sparse=always` does. This is the explicit `--copy`
 * deployment and the import path when reflink is not possible; it costs O(data), and the
 * copy owns every block it has.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { readExtents } from "./extent-map.js";
import { RangeSet } from "./range-set.js";

/** Copy buffer: large enough for sequential throughput, small enough to stay cheap. */
const CHUNK = 1 << 20;

export interface CopyResult {
  bytesRead: number;
  bytesWritten: number;
}

/** The data ranges of a file: FIEMAP extents, or the whole file where FIEMAP is missing. */
export function dataRanges(path: string, size: number): RangeSet {
  const ext = readExtents(path);
  if (ext === null) return RangeSet.of([[0, size]]);
  return RangeSet.of(
    ext.filter((e) => !e.unwritten).map((e) => [e.logical, e.logical + e.length] as const),
  ).clip(size);
}

export function copyFileSparse(
  src: string,
  dst: string,
  opts: { sync?: boolean; onProgress?: (done: number, total: number) => void } = {},
): CopyResult {
  const inFd = openSync(src, "r");
  let outFd = -1;
  try {
    const size = fstatSync(inFd).size;
    const ranges = dataRanges(src, size);
    const total = ranges.size();
    outFd = openSync(dst, "wx");
    ftruncateSync(outFd, size);
    const buf = Buffer.alloc(CHUNK);
    const zero = Buffer.alloc(CHUNK);
    let read = 0;
    let written = 0;
    for (let r = 0; r < ranges.count; r++) {
      for (let pos = ranges.starts[r]; pos < ranges.ends[r]; ) {
        const want = Math.min(CHUNK, ranges.ends[r] - pos);
        const n = readSync(inFd, buf, 0, want, pos);
        if (n === 0) break;
        read += n;
        if (!buf.subarray(0, n).equals(zero.subarray(0, n))) {
          let done = 0;
          while (done < n) done += writeSync(outFd, buf, done, n - done, pos + done);
          written += n;
        }
        pos += n;
        opts.onProgress?.(read, total);
      }
    }
    if (opts.sync !== false) fsyncSync(outFd);
    return { bytesRead: read, bytesWritten: written };
  } finally {
    closeSync(inFd);
    if (outFd >= 0) closeSync(outFd);
  }
}
