/**
 * The qcow2 on-disk format: header layout, table entry bits and the helpers that encode
 * and decode them. Source: QEMU `docs/interop/qcow2.txt` (read for the layout only; this
 * is our own code). All numbers are big-endian.
 *
 * Design: 64-bit table entries are read as two 32-bit halves (hi, lo) so flag bits 62/63
 * and the offset bits 9..55 come out as plain JS numbers without BigInt; every offset we
 * handle is below 2^53 (8 PiB), far above any image this store keeps.
 *
 * Invariants: cluster_bits in [9, 21] (QEMU's 2 MiB limit); header_length of a v3 image is
 * a multiple of 8 and at least 104; the backing file name is at most 1023 bytes.
 */

/** "QFI\xfb": qcow2.txt, header bytes 0-3. */
export const QCOW2_MAGIC = 0x514649fb;
/** Versions 2 and 3 are defined; we write 3 (zero clusters, feature bits). */
export const QCOW2_VERSION_WRITTEN = 3;
/** qcow2.txt: cluster_bits must be >= 9; QEMU refuses clusters above 2 MiB (bits 21). */
export const MIN_CLUSTER_BITS = 9;
export const MAX_CLUSTER_BITS = 21;
/** QEMU's default cluster size, 64 KiB (qemu-img create's default). */
export const DEFAULT_CLUSTER_BITS = 16;
/** refcount_order 4 = 16-bit refcounts: the only width for v2 and QEMU's default for v3. */
export const REFCOUNT_ORDER = 4;
/** v2 header is exactly 72 bytes; v3 at least 104 (through header_length). */
export const HEADER_V2_LENGTH = 72;
export const HEADER_V3_LENGTH = 104;
/** qcow2.txt: the backing file name "must not be longer than 1023 bytes". */
export const MAX_BACKING_NAME = 1023;

/** Header extension types (qcow2.txt "Header extensions"). */
export const EXT_END = 0x00000000;
export const EXT_BACKING_FORMAT = 0xe2792aca;
export const EXT_FEATURE_TABLE = 0x6803f857;
export const EXT_DATA_FILE = 0x44415441;

/** incompatible_features bits (header bytes 72-79). */
export const INCOMPAT_DIRTY = 1 << 0;
export const INCOMPAT_CORRUPT = 1 << 1;
export const INCOMPAT_DATA_FILE = 1 << 2;
export const INCOMPAT_COMPRESSION = 1 << 3;
export const INCOMPAT_EXTL2 = 1 << 4;
export const INCOMPAT_KNOWN =
  INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2;

/**
 * Table entry bits, on the high and low 32-bit halves of a 64-bit entry.
 * L1/L2 bit 63 "COPIED": refcount is exactly one (hi bit 31).
 * L2 bit 62: compressed cluster (hi bit 30).
 * L2 bit 0 (standard descriptor, v3 only): the cluster reads as zeros.
 * Offset bits 9..55: lo & 0xfffffe00 plus (hi & 0x00ffffff) * 2^32.
 */
export const HI_COPIED = 0x80000000;
export const HI_COMPRESSED = 0x40000000;
export const HI_OFFSET_MASK = 0x00ffffff;
export const LO_OFFSET_MASK = 0xfffffe00;
export const LO_ZERO = 0x1;

const TWO32 = 0x1_0000_0000;

export type Qcow2Version = 2 | 3;

/** The decoded fixed header (qcow2.txt "Header"). */
export interface Qcow2Header {
  version: Qcow2Version;
  backingFileOffset: number;
  backingFileSize: number;
  clusterBits: number;
  size: number;
  cryptMethod: number;
  l1Size: number;
  l1TableOffset: number;
  refcountTableOffset: number;
  refcountTableClusters: number;
  nbSnapshots: number;
  snapshotsOffset: number;
  incompatibleFeatures: number;
  compatibleFeatures: number;
  autoclearFeatures: number;
  refcountOrder: number;
  headerLength: number;
}

export function readU64(buf: Buffer, off: number): number {
  const v = buf.readUInt32BE(off) * TWO32 + buf.readUInt32BE(off + 4);
  if (!Number.isSafeInteger(v)) throw new RangeError(`64-bit field at ${off} exceeds 2^53`);
  return v;
}

export function writeU64(buf: Buffer, off: number, v: number): void {
  buf.writeUInt32BE(Math.floor(v / TWO32), off);
  buf.writeUInt32BE((v % TWO32) >>> 0, off + 4);
}

/** The host offset in an L1/L2/refcount-table entry (bits 9..55). */
export function entryOffset(hi: number, lo: number): number {
  return (hi & HI_OFFSET_MASK) * TWO32 + ((lo & LO_OFFSET_MASK) >>> 0);
}

/** Writes an entry with `offset` and the COPIED flag (refcount exactly one). */
export function writeCopiedEntry(buf: Buffer, off: number, offset: number): void {
  buf.writeUInt32BE((Math.floor(offset / TWO32) | HI_COPIED) >>> 0, off);
  buf.writeUInt32BE((offset % TWO32) >>> 0, off + 4);
}

/** True when the first bytes carry the qcow2 magic. */
export function hasQcow2Magic(buf: Buffer): boolean {
  return buf.length >= 4 && buf.readUInt32BE(0) === QCOW2_MAGIC;
}

/**
 * Decodes the header at the start of `buf` (at least 104 bytes, or 72 for v2). Returns a
 * reason string when the bytes are not a qcow2 header this code can read.
 */
export function decodeHeader(buf: Buffer): Qcow2Header | string {
  if (!hasQcow2Magic(buf)) return "no qcow2 magic (QFI\\xfb)";
  if (buf.length < HEADER_V2_LENGTH) return "truncated header";
  const version = buf.readUInt32BE(4);
  if (version !== 2 && version !== 3) return `qcow2 version ${version} (only 2 and 3 exist)`;
  const v3 = version === 3;
  if (v3 && buf.length < HEADER_V3_LENGTH) return "truncated v3 header";
  const h: Qcow2Header = {
    version,
    backingFileOffset: readU64(buf, 8),
    backingFileSize: buf.readUInt32BE(16),
    clusterBits: buf.readUInt32BE(20),
    size: readU64(buf, 24),
    cryptMethod: buf.readUInt32BE(32),
    l1Size: buf.readUInt32BE(36),
    l1TableOffset: readU64(buf, 40),
    refcountTableOffset: readU64(buf, 48),
    refcountTableClusters: buf.readUInt32BE(56),
    nbSnapshots: buf.readUInt32BE(60),
    snapshotsOffset: readU64(buf, 64),
    // The feature fields are 64-bit; every defined bit is in the low word.
    incompatibleFeatures: v3 ? buf.readUInt32BE(76) : 0,
    compatibleFeatures: v3 ? buf.readUInt32BE(84) : 0,
    autoclearFeatures: v3 ? buf.readUInt32BE(92) : 0,
    refcountOrder: v3 ? buf.readUInt32BE(96) : REFCOUNT_ORDER,
    headerLength: v3 ? buf.readUInt32BE(100) : HEADER_V2_LENGTH,
  };
  if (v3 && (buf.readUInt32BE(72) !== 0 || (h.incompatibleFeatures & ~INCOMPAT_KNOWN) !== 0)) {
    return "unknown incompatible feature bits set";
  }
  if (h.clusterBits < MIN_CLUSTER_BITS || h.clusterBits > MAX_CLUSTER_BITS) {
    return `cluster_bits ${h.clusterBits} outside ${MIN_CLUSTER_BITS}..${MAX_CLUSTER_BITS}`;
  }
  if (v3 && (h.headerLength < HEADER_V3_LENGTH || h.headerLength % 8 !== 0)) {
    return `header_length ${h.headerLength} (expected a multiple of 8, at least ${HEADER_V3_LENGTH})`;
  }
  if (h.backingFileOffset !== 0 && h.backingFileSize > MAX_BACKING_NAME) {
    return `backing file name of ${h.backingFileSize} bytes (at most ${MAX_BACKING_NAME})`;
  }
  if (h.refcountOrder > 6) return `refcount_order ${h.refcountOrder} (at most 6)`;
  return h;
}

/** Entries per L2 table (standard, non-extended L2): cluster_size / 8. */
export function l2Entries(clusterBits: number): number {
  return 2 ** (clusterBits - 3);
}

/** L1 entries needed to map `size` bytes: each covers cluster_size * l2_entries bytes. */
export function l1EntriesFor(size: number, clusterBits: number): number {
  return Math.ceil(size / 2 ** (clusterBits + clusterBits - 3));
}
