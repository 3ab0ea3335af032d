/**
 * PV block ring entries as `xen/include/public/io/blkif.h` lays them out for x86_64
 * (the native ABI, `protocol = x86_64-abi`):
 *
 *   blkif_request  112 B: u8 operation @0, u8 nr_segments @1, u16 handle @2, (pad 4),
 *                         u64 id @8, u64 sector_number @16,
 *                         seg[11] @24, each { u32 gref, u8 first_sect, u8 last_sect, (pad 2) }
 *   blkif_response  16 B: u64 id @0, u8 operation @8, (pad), s16 status @10
 * so the ring holds (4096 - 64) / 112 = 36 -> 32 requests (BLK_RING_SIZE).
 * 64-bit fields are kept below 2^53 here (ids and sectors are JS numbers).
 */
import { ringSize, type SharedRing } from "./ring.js";

export const BLKIF_OP_READ = 0;
export const BLKIF_OP_WRITE = 1;
export const BLKIF_OP_WRITE_BARRIER = 2;
export const BLKIF_OP_FLUSH_DISKCACHE = 3;
export const BLKIF_OP_DISCARD = 5;
export const BLKIF_OP_INDIRECT = 6;

export const BLKIF_RSP_EOPNOTSUPP = -2;
export const BLKIF_RSP_ERROR = -1;
export const BLKIF_RSP_OKAY = 0;

/** BLKIF_MAX_SEGMENTS_PER_REQUEST: 11 pages of 4 KiB = 44 KiB per request. */
export const BLKIF_MAX_SEGMENTS_PER_REQUEST = 11;
/** Sectors are 512 bytes; a 4 KiB segment holds sectors 0..7 (first_sect..last_sect). */
export const SECTOR_SIZE = 512;
export const SECTORS_PER_PAGE = 8;

export const BLKIF_REQ_SIZE = 112;
export const BLKIF_RSP_SIZE = 16;
export const BLK_RING_SIZE = ringSize(Math.max(BLKIF_REQ_SIZE, BLKIF_RSP_SIZE));

const SEG_OFFSET = 24;
const SEG_SIZE = 8;
const TWO32 = 2 ** 32;

function writeU64(r: SharedRing, byteOff: number, v: number): void {
  r.u32[byteOff >> 2] = v % TWO32;
  r.u32[(byteOff >> 2) + 1] = Math.floor(v / TWO32);
}
function readU64(r: SharedRing, byteOff: number): number {
  return r.u32[byteOff >> 2] + r.u32[(byteOff >> 2) + 1] * TWO32;
}

/** Writes a request header; segments are written with writeBlkSegment. */
export function writeBlkRequest(
  r: SharedRing,
  idx: number,
  op: number,
  nrSegments: number,
  handle: number,
  id: number,
  sector: number,
): void {
  const o = r.slotOffset(idx);
  r.u8[o] = op;
  r.u8[o + 1] = nrSegments;
  r.u16[(o >> 1) + 1] = handle;
  r.u32[(o >> 2) + 1] = 0;
  writeU64(r, o + 8, id);
  writeU64(r, o + 16, sector);
}

export function writeBlkSegment(
  r: SharedRing,
  idx: number,
  seg: number,
  gref: number,
  firstSect: number,
  lastSect: number,
): void {
  const o = r.slotOffset(idx) + SEG_OFFSET + seg * SEG_SIZE;
  r.u32[o >> 2] = gref;
  r.u8[o + 4] = firstSect;
  r.u8[o + 5] = lastSect;
  r.u16[(o >> 1) + 3] = 0;
}

export function blkReqOp(r: SharedRing, idx: number): number {
  return r.u8[r.slotOffset(idx)];
}
export function blkReqNrSegments(r: SharedRing, idx: number): number {
  return r.u8[r.slotOffset(idx) + 1];
}
export function blkReqId(r: SharedRing, idx: number): number {
  return readU64(r, r.slotOffset(idx) + 8);
}
export function blkReqSector(r: SharedRing, idx: number): number {
  return readU64(r, r.slotOffset(idx) + 16);
}
export function blkSegGref(r: SharedRing, idx: number, seg: number): number {
  return r.u32[(r.slotOffset(idx) + SEG_OFFSET + seg * SEG_SIZE) >> 2];
}
/** Bytes a segment covers: (last_sect - first_sect + 1) sectors. */
export function blkSegBytes(r: SharedRing, idx: number, seg: number): number {
  const o = r.slotOffset(idx) + SEG_OFFSET + seg * SEG_SIZE;
  return (r.u8[o + 5] - r.u8[o + 4] + 1) * SECTOR_SIZE;
}

export function writeBlkResponse(r: SharedRing, idx: number, id: number, op: number, status: number): void {
  const o = r.slotOffset(idx);
  writeU64(r, o, id);
  r.u8[o + 8] = op;
  r.u8[o + 9] = 0;
  r.u16[(o >> 1) + 5] = status & 0xffff;
}
export function blkRspId(r: SharedRing, idx: number): number {
  return readU64(r, r.slotOffset(idx));
}
export function blkRspStatus(r: SharedRing, idx: number): number {
  return (r.u16[(r.slotOffset(idx) >> 1) + 5] << 16) >> 16;
}
