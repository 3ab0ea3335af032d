/**
 * MSI capability (PCI Local Bus spec 3.0 §6.8.1; pci_regs.h PCI_MSI_*): control with
 * enable (RW), multiple message capable (RO) and enable (RW), 64-bit and per-vector
 * masking flags (RO); address, data, and mask/pending words. The layout depends on the
 * two flags, so offsets are computed by `msiLayout`.
 */
import type { ConfigSpace } from "./config-space.js";
import { PCI_CAP_ID_MSI } from "./pci-regs.js";

export const PCI_MSI_FLAGS = 2;
export const PCI_MSI_FLAGS_ENABLE = 0x0001;
export const PCI_MSI_FLAGS_QMASK = 0x000e;
export const PCI_MSI_FLAGS_QSIZE = 0x0070;
export const PCI_MSI_FLAGS_64BIT = 0x0080;
export const PCI_MSI_FLAGS_MASKBIT = 0x0100;
export const PCI_MSI_ADDRESS_LO = 4;
export const PCI_MSI_ADDRESS_HI = 8;
export const PCI_MSI_DATA_32 = 8;
export const PCI_MSI_DATA_64 = 12;
export const PCI_MSI_MASK_32 = 12;
export const PCI_MSI_MASK_64 = 16;

export interface MsiLayout {
  data: number;
  mask: number | null;
  pending: number | null;
  size: number;
}

export function msiLayout(is64: boolean, maskable: boolean): MsiLayout {
  const data = is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
  const mask = maskable ? (is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32) : null;
  return { data, mask, pending: mask === null ? null : mask + 4, size: mask === null ? data + 2 : mask + 8 };
}

export interface MsiOptions {
  /** log2 of the vectors requested (0..5). */
  log2Vectors?: number;
  is64?: boolean;
  maskable?: boolean;
  at?: number;
}

export function addMsiCap(cfg: ConfigSpace, o: MsiOptions = {}): number {
  const is64 = o.is64 ?? true;
  const maskable = o.maskable ?? false;
  const l = msiLayout(is64, maskable);
  const at = cfg.addCap(PCI_CAP_ID_MSI, l.size, o.at);
  const mmc = (o.log2Vectors ?? 0) & 7;
  cfg.set16(
    at + PCI_MSI_FLAGS,
    (mmc << 1) | (is64 ? PCI_MSI_FLAGS_64BIT : 0) | (maskable ? PCI_MSI_FLAGS_MASKBIT : 0),
  );
  cfg.mask(at + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
  cfg.mask(at + PCI_MSI_ADDRESS_LO, 4, 0xfffffffc);
  if (is64) cfg.mask(at + PCI_MSI_ADDRESS_HI, 4, 0xffffffff);
  cfg.mask(at + l.data, 2, 0xffff);
  if (l.mask !== null) cfg.mask(at + l.mask, 4, mmc === 0 ? 1 : (1 << (1 << mmc)) - 1);
  return at;
}

/** The message MSI sends for `vector`, or null when MSI is disabled or the vector masked. */
export function msiMessage(
  cfg: ConfigSpace,
  at: number,
  vector: number,
): { address: number; data: number } | null {
  const flags = cfg.get16(at + PCI_MSI_FLAGS);
  if ((flags & PCI_MSI_FLAGS_ENABLE) === 0) return null;
  const is64 = (flags & PCI_MSI_FLAGS_64BIT) !== 0;
  const l = msiLayout(is64, (flags & PCI_MSI_FLAGS_MASKBIT) !== 0);
  const enabled = 1 << ((flags & PCI_MSI_FLAGS_QSIZE) >> 4);
  const v = vector & (enabled - 1);
  if (l.mask !== null && (cfg.get32(at + l.mask) >>> v) & 1) {
    if (l.pending !== null) cfg.setBits(at + l.pending, 4, 1 << v);
    return null;
  }
  const hi = is64 ? cfg.get32(at + PCI_MSI_ADDRESS_HI) : 0;
  const address = hi * 2 ** 32 + cfg.get32(at + PCI_MSI_ADDRESS_LO);
  const base = cfg.get16(at + l.data);
  return { address, data: (base & ~(enabled - 1)) | v };
}
