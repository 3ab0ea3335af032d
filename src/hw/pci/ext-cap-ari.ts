/**
 * Alternative Routing-ID Interpretation extended capability (PCIe Base spec 2.0 §7.23;
 * pci_regs.h PCI_ARI_*). With ARI the 8 bits of devfn are one function number; each
 * function's capability names the next function of the device (0 ends the chain).
 */
import type { ConfigSpace } from "./config-space.js";
import { PCI_EXT_CAP_ID_ARI } from "./pci-regs.js";

export const PCI_ARI_CAP = 0x04;
export const PCI_ARI_CAP_MFVC = 0x0001;
export const PCI_ARI_CAP_ACS = 0x0002;
export const PCI_ARI_CAP_NFN_SHIFT = 8;
export const PCI_ARI_CTRL = 0x06;
export const PCI_ARI_CTRL_MFVC = 0x0001;
export const PCI_ARI_CTRL_ACS = 0x0002;
export const PCI_ARI_CTRL_FG = 0x0070;
export const PCI_ARI_SIZEOF = 8;

/** Adds ARI naming the next function number; returns its offset. */
export function addAriCap(cfg: ConfigSpace, nextFunction: number, at?: number): number {
  const off = cfg.addExtCap(PCI_EXT_CAP_ID_ARI, 1, PCI_ARI_SIZEOF, at);
  cfg.set16(off + PCI_ARI_CAP, (nextFunction & 0xff) << PCI_ARI_CAP_NFN_SHIFT);
  cfg.mask(off + PCI_ARI_CTRL, 2, 0); // no MFVC/ACS function groups: control is RO 0
  return off;
}
