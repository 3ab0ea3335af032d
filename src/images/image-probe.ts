/**
 * Decides whether a file can be imported as a disk image, and as which format. qcow2 is
 * recognised by its magic and must be readable by qcow2-reader (no backing file, no
 * encryption, clean). Anything else is raw, provided it is a non-empty regular file whose
 * size is a whole number of 512-byte sectors and that does not carry the signature of
 * another image format or of an archive (which would be imported as garbage).
 *
 * Signatures: VMDK "KDMV" (VMware Virtual Disk Format 1.1), VHD "conectix" footer copy,
 * VHDX "vhdxfile", VDI magic 0xbeda107f at 64, QED "QED\0", qcow v1 (magic with version 1);
 * gzip 1f 8b, xz fd 37 7a 58 5a 00, zstd 28 b5 2f fd, bzip2 "BZh", zip "PK\3\4", tar
 * "ustar" at 257.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { ImageStoreError } from "./image-errors.js";
import { INCOMPAT_DIRTY, QCOW2_MAGIC } from "./qcow2-format.js";
import { type Qcow2Info, readQcow2Info } from "./qcow2-reader.js";
import type { ImageFormat } from "./store-state.js";

export interface ProbedImage {
  format: ImageFormat;
  virtualSize: number;
  fileSize: number;
  /** Bytes the file occupies on disk (st_blocks * 512). */
  allocated: number;
  qcow2?: Qcow2Info;
}

const SECTOR = 512;

function foreignFormat(head: Buffer): string | null {
  const ascii = (at: number, s: string): boolean => head.toString("latin1", at, at + s.length) === s;
  if (ascii(0, "KDMV")) return "a VMDK image (convert it: qemu-img convert -O qcow2 in.vmdk out.qcow2)";
  if (ascii(0, "conectix"))
    return "a VHD image (convert it: qemu-img convert -f vpc -O qcow2 in.vhd out.qcow2)";
  if (ascii(0, "vhdxfile")) return "a VHDX image (convert it: qemu-img convert -O qcow2 in.vhdx out.qcow2)";
  if (head.length >= 68 && head.readUInt32LE(64) === 0xbeda107f)
    return "a VirtualBox VDI image (convert it with qemu-img)";
  if (ascii(0, "QED\0")) return "a QED image (convert it with qemu-img)";
  if (head[0] === 0x1f && head[1] === 0x8b) return "a gzip archive (unpack it first)";
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])))
    return "an xz archive (unpack it first)";
  if (head.length >= 4 && head.readUInt32BE(0) === 0x28b52ffd) return "a zstd archive (unpack it first)";
  if (ascii(0, "BZh")) return "a bzip2 archive (unpack it first)";
  if (ascii(0, "PK\x03\x04")) return "a zip archive (unpack it first)";
  if (ascii(257, "ustar")) return "a tar archive (unpack it first)";
  return null;
}

export function probeImageFile(path: string, expected?: ImageFormat): ProbedImage {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new ImageStoreError("not-found", `${path}: no such file`);
  }
  const bad = (why: string): ImageStoreError =>
    new ImageStoreError("not-an-image", `${path}: not a disk image: ${why}`);
  if (st.isDirectory()) throw bad("it is a directory");
  if (!st.isFile()) throw bad("it is not a regular file (block devices are not imported; dd them to a file)");
  if (st.size === 0) throw bad("the file is empty");
  const head = Buffer.alloc(Math.min(st.size, 4096));
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, head.length, 0);
    const allocated = Number(st.blocks) * 512;
    if (head.length >= 8 && head.readUInt32BE(0) === QCOW2_MAGIC) {
      if (expected === "raw") {
        throw bad(
          "it starts with the qcow2 magic; import it as qcow2 (reading a qcow2 file as raw is unsafe)",
        );
      }
      if (head.readUInt32BE(4) === 1)
        throw bad("qcow version 1 (convert it: qemu-img convert -O qcow2 in out)");
      const info = readQcow2Info(fd, path);
      if (info.backingFile !== null) {
        throw bad(
          `it is a qcow2 overlay of ${info.backingFile}; flatten it first (qemu-img convert -O qcow2 in.qcow2 out.qcow2)`,
        );
      }
      if (info.header.incompatibleFeatures & INCOMPAT_DIRTY) {
        throw bad("the qcow2 dirty bit is set (not closed cleanly); run qemu-img check -r all on it first");
      }
      return { format: "qcow2", virtualSize: info.header.size, fileSize: st.size, allocated, qcow2: info };
    }
    if (expected === "qcow2") throw bad("it has no qcow2 magic (QFI\\xfb)");
    const foreign = foreignFormat(head);
    if (foreign) throw bad(`it is ${foreign}`);
    if (st.size % SECTOR !== 0)
      throw bad(`its size, ${st.size} bytes, is not a whole number of 512-byte sectors`);
    return { format: "raw", virtualSize: st.size, fileSize: st.size, allocated };
  } finally {
    closeSync(fd);
  }
}
