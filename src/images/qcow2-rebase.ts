/**
 * Points an existing qcow2 image at a different backing file name, in place: the header's
 * backing_file_offset/size, the name bytes in cluster 0, and the backing-format header
 * extension (qcow2.txt). Used after a merge gives a backing image a new file, the
 * equivalent of `qemu-img rebase -u` (unsafe mode: the content is known to be equal).
 *
 * Design: every changed byte lies in the first cluster's leading bytes, rewritten with one
 * pwrite, so a process kill leaves the old header or the new one; the store's recovery
 * redoes the rewrite from its metadata either way (it is idempotent).
 */
import { closeSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { ImageStoreError } from "./image-errors.js";
import { EXT_BACKING_FORMAT, EXT_END, writeU64 } from "./qcow2-format.js";
import { readQcow2Info } from "./qcow2-reader.js";
import type { BackingFormat } from "./qcow2-writer.js";

export function rewriteBacking(path: string, name: string, format: BackingFormat, sync = true): void {
  const fd = openSync(path, "r+");
  try {
    const info = readQcow2Info(fd, path);
    const h = info.header;
    const nameBytes = Buffer.from(name, "utf8");
    if (h.backingFileOffset === 0)
      throw new ImageStoreError("corrupt", `${path}: has no backing file to change`);
    const end = Math.max(h.backingFileOffset + h.backingFileSize, h.backingFileOffset + nameBytes.length);
    if (end > info.clusterSize)
      throw new ImageStoreError("corrupt", `${path}: backing name does not fit in cluster 0`);
    const head = Buffer.alloc(end);
    readSync(fd, head, 0, end, 0);
    head.fill(0, h.backingFileOffset, end);
    nameBytes.copy(head, h.backingFileOffset);
    writeU64(head, 8, h.backingFileOffset);
    head.writeUInt32BE(nameBytes.length, 16);
    if (h.version === 3) {
      let off = h.headerLength;
      while (off + 8 <= h.backingFileOffset) {
        const type = head.readUInt32BE(off);
        const len = head.readUInt32BE(off + 4);
        if (type === EXT_END) break;
        const slot = Math.ceil(len / 8) * 8;
        if (type === EXT_BACKING_FORMAT && format.length <= slot) {
          head.fill(0, off + 8, off + 8 + slot);
          head.writeUInt32BE(format.length, off + 4);
          head.write(format, off + 8, "latin1");
        }
        off += 8 + slot;
      }
    }
    writeSync(fd, head, 0, end, 0);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
