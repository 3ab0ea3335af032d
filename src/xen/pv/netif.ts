/**
 * PV network ring entries as `xen/include/public/io/netif.h` lays them out (x86,
 * little-endian), read and written in place on a SharedRing page (spec interfaces.md 5.2).
 *
 *   netif_tx_request  12 B: u32 gref @0, u16 offset @4, u16 flags @6, u16 id @8, u16 size @10
 *   netif_tx_response  4 B: u16 id @0, s16 status @2
 *   netif_rx_request   8 B: u16 id @0, u16 pad @2, u32 gref @4
 *   netif_rx_response  8 B: u16 id @0, u16 offset @2, u16 flags @4, s16 status @6
 * Both rings therefore have 256 slots on a 4 KiB page.
 */
import { ringSize, type SharedRing } from "./ring.js";

/** NETTXF_* request flags. */
export const NETTXF_csum_blank = 1 << 0;
export const NETTXF_data_validated = 1 << 1;
export const NETTXF_more_data = 1 << 2;
export const NETTXF_extra_info = 1 << 3;
/** NETRXF_* response flags. */
export const NETRXF_data_validated = 1 << 0;
export const NETRXF_csum_blank = 1 << 1;
export const NETRXF_more_data = 1 << 2;
export const NETRXF_extra_info = 1 << 3;
/** NETIF_RSP_* status codes. */
export const NETIF_RSP_DROPPED = -2;
export const NETIF_RSP_ERROR = -1;
export const NETIF_RSP_OKAY = 0;
export const NETIF_RSP_NULL = 1;

export const NETIF_TX_REQ_SIZE = 12;
export const NETIF_TX_RSP_SIZE = 4;
export const NETIF_RX_REQ_SIZE = 8;
export const NETIF_RX_RSP_SIZE = 8;
/** Entry sizes of the two rings: max(sizeof req, sizeof rsp). */
export const NETIF_TX_ENTRY = Math.max(NETIF_TX_REQ_SIZE, NETIF_TX_RSP_SIZE);
export const NETIF_RX_ENTRY = Math.max(NETIF_RX_REQ_SIZE, NETIF_RX_RSP_SIZE);
/** NET_TX_RING_SIZE / NET_RX_RING_SIZE: 256 each. */
export const NET_TX_RING_SIZE = ringSize(NETIF_TX_ENTRY);
export const NET_RX_RING_SIZE = ringSize(NETIF_RX_ENTRY);
/** XEN_NETIF_NR_SLOTS_MIN: slots per packet a back end must accept. */
export const XEN_NETIF_NR_SLOTS_MIN = 18;
/** Largest Ethernet frame without GSO, as netback's ETH_HLEN check bounds the smallest. */
export const ETH_HLEN = 14;

// Hot path: benchmarked by `io.netback`. Slot fields through the page's u16/u32 views
// (offsets are 4-byte aligned: 64 + 12 * slot and 64 + 8 * slot).

export function writeTxRequest(
  r: SharedRing,
  idx: number,
  gref: number,
  offset: number,
  flags: number,
  id: number,
  size: number,
): void {
  const o = r.slotOffset(idx);
  r.u32[o >> 2] = gref;
  const h = o >> 1;
  r.u16[h + 2] = offset;
  r.u16[h + 3] = flags;
  r.u16[h + 4] = id;
  r.u16[h + 5] = size;
}

export function txReqGref(r: SharedRing, idx: number): number {
  return r.u32[r.slotOffset(idx) >> 2];
}
export function txReqOffset(r: SharedRing, idx: number): number {
  return r.u16[(r.slotOffset(idx) >> 1) + 2];
}
export function txReqFlags(r: SharedRing, idx: number): number {
  return r.u16[(r.slotOffset(idx) >> 1) + 3];
}
export function txReqId(r: SharedRing, idx: number): number {
  return r.u16[(r.slotOffset(idx) >> 1) + 4];
}
export function txReqSize(r: SharedRing, idx: number): number {
  return r.u16[(r.slotOffset(idx) >> 1) + 5];
}

export function writeTxResponse(r: SharedRing, idx: number, id: number, status: number): void {
  const h = r.slotOffset(idx) >> 1;
  r.u16[h] = id;
  r.u16[h + 1] = status & 0xffff;
}
export function txRspId(r: SharedRing, idx: number): number {
  return r.u16[r.slotOffset(idx) >> 1];
}
export function txRspStatus(r: SharedRing, idx: number): number {
  return (r.u16[(r.slotOffset(idx) >> 1) + 1] << 16) >> 16;
}

export function writeRxRequest(r: SharedRing, idx: number, id: number, gref: number): void {
  const o = r.slotOffset(idx);
  r.u16[o >> 1] = id;
  r.u16[(o >> 1) + 1] = 0;
  r.u32[(o >> 2) + 1] = gref;
}
export function rxReqId(r: SharedRing, idx: number): number {
  return r.u16[r.slotOffset(idx) >> 1];
}
export function rxReqGref(r: SharedRing, idx: number): number {
  return r.u32[(r.slotOffset(idx) >> 2) + 1];
}

export function writeRxResponse(
  r: SharedRing,
  idx: number,
  id: number,
  offset: number,
  flags: number,
  status: number,
): void {
  const h = r.slotOffset(idx) >> 1;
  r.u16[h] = id;
  r.u16[h + 1] = offset;
  r.u16[h + 2] = flags;
  r.u16[h + 3] = status & 0xffff;
}
export function rxRspId(r: SharedRing, idx: number): number {
  return r.u16[r.slotOffset(idx) >> 1];
}
export function rxRspFlags(r: SharedRing, idx: number): number {
  return r.u16[(r.slotOffset(idx) >> 1) + 2];
}
export function rxRspStatus(r: SharedRing, idx: number): number {
  return (r.u16[(r.slotOffset(idx) >> 1) + 3] << 16) >> 16;
}
