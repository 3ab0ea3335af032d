/**
 * Device Serial Number extended capability (PCIe Base spec 2.0 §7.13; pci_regs.h
 * PCI_DSN_*): a read-only EUI-64, as the 82576 and NVMe drives carry.
 */
import type { ConfigSpace } from "./config-space.js";
import { PCI_EXT_CAP_ID_DSN } from "./pci-regs.js";

export const PCI_DSN_LOWER = 0x04;
export const PCI_DSN_UPPER = 0x08;
export const PCI_DSN_SIZEOF = 0x0c;

export function addDsnCap(cfg: ConfigSpace, serialHi: number, serialLo: number, at?: number): number {
  const off = cfg.addExtCap(PCI_EXT_CAP_ID_DSN, 1, PCI_DSN_SIZEOF, at);
  cfg.set32(off + PCI_DSN_LOWER, serialLo >>> 0);
  cfg.set32(off + PCI_DSN_UPPER, serialHi >>> 0);
  return off;
}
