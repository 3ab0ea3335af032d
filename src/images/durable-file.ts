/**
 * Small durability helpers: fsync a file or a directory, and replace a file atomically
 * (write a temporary sibling, fsync it, rename over the target, fsync the folder), the
 * classic write-then-rename that leaves either the old or the new content after a crash.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a folder's entries (creations, renames, deletions) durable. */
export function fsyncDir(dir: string): void {
  fsyncPath(dir);
}

export function writeFileAtomic(path: string, data: string | Buffer, onWritten?: () => void): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    let done = 0;
    while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  onWritten?.();
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}
