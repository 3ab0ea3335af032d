/**
 * VT-d interrupt remapping (VT-d spec 1.2 §5 and §9.10; Xen vtd/iommu.h struct
 * iremap_entry; Xen intremap.c): 128-bit IRTEs in a table whose base and size IRTA_REG
 * gives, and the remappable MSI format a device is programmed with:
 *  - IRTE (remapped format): bit 0 present, 1 fault processing disable, 2 destination
 *    mode, 3 redirection hint, 4 trigger mode, 7..5 delivery mode, 15 IM = 0, 23..16
 *    vector, 63..32 destination id (xAPIC: bits 47..40), 79..64 source id, 81..80 SQ,
 *    83..82 SVT (1 = verify the requester id against SID/SQ);
 *  - MSI address: 0xFEE in bits 31..20, handle[14:0] in 19..5, bit 4 = 1 (remappable),
 *    bit 3 SHV, handle[15] in bit 2; data = subhandle when SHV.
 */
import type { PhysMem } from "./phys-mem.js";

export const IRTE_SIZE = 16;
export const IRTA_EIME = 1 << 11;
export const MSI_ADDR_BASE = 0xfee00000;
export const MSI_ADDR_IF_REMAPPABLE = 1 << 4;
export const MSI_ADDR_SHV = 1 << 3;
/** SVT = 1: verify the source id against SID with the SQ mask (Xen sets this for MSI). */
export const SVT_VERIFY_SID = 1;

export interface Irte {
  present: boolean;
  faultDisable: boolean;
  destMode: number;
  redirHint: boolean;
  trigger: number;
  deliveryMode: number;
  vector: number;
  /** xAPIC destination (APIC id), stored in bits 47..40. */
  dest: number;
  sourceId: number;
  sq: number;
  svt: number;
}

export function writeIrte(mem: PhysMem, table: number, index: number, e: Irte | null): void {
  const a = table + index * IRTE_SIZE;
  if (e === null) {
    for (let i = 0; i < 4; i++) mem.write32(a + 4 * i, 0);
    return;
  }
  const w0 =
    (e.present ? 1 : 0) |
    (e.faultDisable ? 2 : 0) |
    ((e.destMode & 1) << 2) |
    (e.redirHint ? 8 : 0) |
    ((e.trigger & 1) << 4) |
    ((e.deliveryMode & 7) << 5) |
    ((e.vector & 0xff) << 16);
  mem.write32(a, w0 >>> 0);
  mem.write32(a + 4, (e.dest & 0xff) << 8);
  mem.write32(a + 8, ((e.sourceId & 0xffff) | ((e.sq & 3) << 16) | ((e.svt & 3) << 18)) >>> 0);
  mem.write32(a + 12, 0);
}

export function readIrte(
  mem: PhysMem,
  table: number,
  index: number,
): Irte & { reservedSet: boolean; posted: boolean } {
  const a = table + index * IRTE_SIZE;
  const w0 = mem.read32(a);
  const w1 = mem.read32(a + 4);
  const w2 = mem.read32(a + 8);
  const w3 = mem.read32(a + 12);
  return {
    present: (w0 & 1) !== 0,
    faultDisable: (w0 & 2) !== 0,
    destMode: (w0 >> 2) & 1,
    redirHint: (w0 & 8) !== 0,
    trigger: (w0 >> 4) & 1,
    deliveryMode: (w0 >> 5) & 7,
    vector: (w0 >>> 16) & 0xff,
    dest: (w1 >>> 8) & 0xff,
    sourceId: w2 & 0xffff,
    sq: (w2 >>> 16) & 3,
    svt: (w2 >>> 18) & 3,
    posted: (w0 & 0x8000) !== 0,
    // Legacy-format reserved bits: 14..12 (11..8 are available), 31..24, 63..48 in xAPIC mode, 127..84.
    reservedSet: (w0 & 0xff007000) !== 0 || (w1 & 0xffff00ff) !== 0 || w2 >>> 20 !== 0 || w3 !== 0,
  };
}

/** The MSI address/data a device is programmed with for IRTE `handle` (no subhandle). */
export function remappableMsi(handle: number): { address: number; data: number } {
  const address =
    (MSI_ADDR_BASE | ((handle & 0x7fff) << 5) | MSI_ADDR_IF_REMAPPABLE | (((handle >> 15) & 1) << 2)) >>> 0;
  return { address, data: 0 };
}

/** Decodes an MSI write: remappable handle, or null for the compatibility format. */
export function msiHandle(address: number, data: number): number | null {
  if ((address & MSI_ADDR_IF_REMAPPABLE) === 0) return null;
  let h = ((address >>> 5) & 0x7fff) | (((address >>> 2) & 1) << 15);
  if (address & MSI_ADDR_SHV) h += data & 0xffff;
  return h;
}
