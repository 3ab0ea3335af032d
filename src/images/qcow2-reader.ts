/**
 * Reads qcow2 images (v2 and v3, QEMU `docs/interop/qcow2.txt`): the header, the header
 * extensions we need (backing file format), the backing file name, and the guest-cluster
 * map from the active L1/L2 tables. It never writes.
 *
 * Design: the map is built by walking L1 in order and reading each referenced L2 table
 * once, so it comes out sorted by guest cluster and costs one read per allocated L2 table
 * (a 10 GiB overlay with nothing written reads only its L1). Structural problems (an L2 or
 * data offset that is unaligned or beyond the end of the file) are collected as strings for
 * `xenlab images check`, not thrown, so one bad table does not hide the others.
 *
 * Not handled (refused with a clear reason): encryption, external data files, extended L2
 * entries, the corrupt bit. Compressed clusters are mapped (they count as data) but their
 * content is not decoded here.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { ImageStoreError } from "./image-errors.js";
import {
  decodeHeader,
  EXT_BACKING_FORMAT,
  EXT_END,
  entryOffset,
  HI_COMPRESSED,
  INCOMPAT_CORRUPT,
  INCOMPAT_DATA_FILE,
  INCOMPAT_EXTL2,
  LO_ZERO,
  l2Entries,
  type Qcow2Header,
} from "./qcow2-format.js";

/** Host offset markers in a ClusterMap for clusters without a plain data offset. */
export const HOST_ZERO = -1;
export const HOST_COMPRESSED = -2;

export interface Qcow2Info {
  path: string;
  header: Qcow2Header;
  clusterSize: number;
  fileSize: number;
  /** The backing file name as stored (relative names resolve against the image's folder). */
  backingFile: string | null;
  /** From the backing-format header extension, when present ("raw", "qcow2"). */
  backingFormat: string | null;
}

/**
 * Guest clusters that the image itself maps, in ascending guest order: `host[i]` is the
 * host offset of guest cluster `guest[i]`, or HOST_ZERO (reads as zeros, hides the backing
 * file) or HOST_COMPRESSED. Clusters not listed are unallocated: they read from the backing
 * file, or as zeros without one.
 */
export interface ClusterMap {
  clusterSize: number;
  guest: number[];
  host: number[];
  /** Compressed clusters: host byte offset and bytes to read (qcow2.txt descriptor). */
  compressed: Map<number, { offset: number; bytes: number }>;
}

function readAt(fd: number, len: number, pos: number): Buffer {
  const buf = Buffer.alloc(len);
  let done = 0;
  while (done < len) {
    const n = readSync(fd, buf, done, len - done, pos + done);
    if (n === 0) break;
    done += n;
  }
  return done === len ? buf : buf.subarray(0, done);
}

/** Parses the header of an open qcow2 file; throws ImageStoreError for what we cannot read. */
export function readQcow2Info(fd: number, path: string): Qcow2Info {
  const fileSize = fstatSync(fd).size;
  const head = readAt(fd, 4096, 0);
  const h = decodeHeader(head);
  if (typeof h === "string")
    throw new ImageStoreError("not-an-image", `${path}: not a readable qcow2 image: ${h}`);
  const clusterSize = 2 ** h.clusterBits;
  if (h.cryptMethod !== 0)
    throw new ImageStoreError("unsupported", `${path}: encrypted qcow2 images are not supported`);
  if (h.incompatibleFeatures & INCOMPAT_CORRUPT) {
    throw new ImageStoreError(
      "not-an-image",
      `${path}: the qcow2 corrupt bit is set; repair it with qemu-img check -r all`,
    );
  }
  if (h.incompatibleFeatures & INCOMPAT_DATA_FILE) {
    throw new ImageStoreError(
      "unsupported",
      `${path}: qcow2 images with an external data file are not supported`,
    );
  }
  if (h.incompatibleFeatures & INCOMPAT_EXTL2) {
    throw new ImageStoreError(
      "unsupported",
      `${path}: qcow2 extended L2 entries (subclusters) are not supported`,
    );
  }
  const first = readAt(fd, Math.min(clusterSize, Math.max(fileSize, 0)), 0);
  let backingFormat: string | null = null;
  if (h.version === 3) {
    // Header extensions follow the header: {type u32, length u32, data, pad to 8}.
    let off = h.headerLength;
    while (off + 8 <= first.length) {
      const type = first.readUInt32BE(off);
      const len = first.readUInt32BE(off + 4);
      if (type === EXT_END) break;
      if (off + 8 + len > first.length) break;
      if (type === EXT_BACKING_FORMAT) backingFormat = first.toString("latin1", off + 8, off + 8 + len);
      off += 8 + Math.ceil(len / 8) * 8;
    }
  }
  let backingFile: string | null = null;
  if (h.backingFileOffset !== 0) {
    backingFile = readAt(fd, h.backingFileSize, h.backingFileOffset).toString("utf8");
  }
  return { path, header: h, clusterSize, fileSize, backingFile, backingFormat };
}

export function openQcow2Info(path: string): Qcow2Info {
  const fd = openSync(path, "r");
  try {
    return readQcow2Info(fd, path);
  } finally {
    closeSync(fd);
  }
}

/** Builds the guest-cluster map of the active L1 table; `problems` collects damage found. */
export function readClusterMap(fd: number, info: Qcow2Info, problems: string[] = []): ClusterMap {
  const { header: h, clusterSize, fileSize, path } = info;
  const map: ClusterMap = { clusterSize, guest: [], host: [], compressed: new Map() };
  // Compressed descriptor: x = 62 - (cluster_bits - 8) offset bits, then the count of
  // additional 512-byte sectors up to bit 61 (qcow2.txt "Compressed Clusters Descriptor").
  const x = 62 - (h.clusterBits - 8);
  const perL2 = l2Entries(h.clusterBits);
  const guestClusters = Math.ceil(h.size / clusterSize);
  if (h.l1Size === 0) return map;
  if (h.l1TableOffset % clusterSize !== 0 || h.l1TableOffset + h.l1Size * 8 > fileSize) {
    problems.push(
      `${path}: L1 table at ${h.l1TableOffset} (${h.l1Size} entries) is unaligned or past the end`,
    );
    return map;
  }
  const l1 = readAt(fd, h.l1Size * 8, h.l1TableOffset);
  for (let i = 0; i < h.l1Size; i++) {
    const l2Off = entryOffset(l1.readUInt32BE(i * 8), l1.readUInt32BE(i * 8 + 4));
    if (l2Off === 0) continue;
    if (l2Off % clusterSize !== 0 || l2Off + clusterSize > fileSize) {
      problems.push(`${path}: L2 table ${i} at ${l2Off} is unaligned or past the end of the file`);
      continue;
    }
    const l2 = readAt(fd, clusterSize, l2Off);
    const base = i * perL2;
    const n = Math.min(perL2, guestClusters - base);
    for (let j = 0; j < n; j++) {
      const hi = l2.readUInt32BE(j * 8);
      const lo = l2.readUInt32BE(j * 8 + 4);
      if (hi === 0 && lo === 0) continue;
      if (hi & HI_COMPRESSED) {
        const offset = (hi & (2 ** (x - 32) - 1)) * 2 ** 32 + lo;
        const sectors = Math.floor((hi & 0x3fffffff) / 2 ** (x - 32));
        map.guest.push(base + j);
        map.host.push(HOST_COMPRESSED);
        map.compressed.set(base + j, { offset, bytes: (sectors + 1) * 512 - (offset % 512) });
        continue;
      }
      const off = entryOffset(hi, lo);
      if (h.version === 3 && lo & LO_ZERO) {
        map.guest.push(base + j);
        map.host.push(HOST_ZERO);
        continue;
      }
      if (off === 0) continue; // unallocated (bit 63 without offset: external data only)
      if (off % clusterSize !== 0 || off + clusterSize > fileSize) {
        problems.push(
          `${path}: guest cluster ${base + j} maps to ${off}, unaligned or past the end of the file`,
        );
        continue;
      }
      map.guest.push(base + j);
      map.host.push(off);
    }
  }
  return map;
}

/** Reads one data cluster's bytes (for merging images). */
export function readCluster(fd: number, clusterSize: number, hostOffset: number): Buffer {
  const buf = readAt(fd, clusterSize, hostOffset);
  if (buf.length === clusterSize) return buf;
  const full = Buffer.alloc(clusterSize);
  buf.copy(full);
  return full;
}
