/**
 * Power Management capability (PCI Bus Power Management Interface spec 1.2 §3.2;
 * pci_regs.h PCI_PM_*): PMC (RO) and PMCSR with the D-state (RW), PME_En (RW) and
 * PME_Status (RW1C). Entering D3hot and back does not reset the function here
 * (NoSoftRst+, as PCIe devices of 2009 such as the 82576 report).
 */
import type { ConfigSpace } from "./config-space.js";
import { PCI_CAP_ID_PM } from "./pci-regs.js";

export const PCI_PM_PMC = 2;
export const PCI_PM_CAP_VER_MASK = 0x0007;
export const PCI_PM_CAP_PME_CLOCK = 0x0008;
export const PCI_PM_CAP_DSI = 0x0020;
export const PCI_PM_CAP_D1 = 0x0200;
export const PCI_PM_CAP_D2 = 0x0400;
/** PME# from D0, D1, D2, D3hot, D3cold: bits 11..15. */
export const PCI_PM_CAP_PME_SHIFT = 11;
export const PCI_PM_CTRL = 4;
export const PCI_PM_CTRL_STATE_MASK = 0x0003;
export const PCI_PM_CTRL_NO_SOFT_RESET = 0x0008;
export const PCI_PM_CTRL_PME_ENABLE = 0x0100;
export const PCI_PM_CTRL_PME_STATUS = 0x8000;
export const PCI_PM_SIZEOF = 8;

export interface PmOptions {
  /** PME# support mask for D0..D3cold (5 bits); 0 = none. */
  pmeSupport?: number;
  d1?: boolean;
  d2?: boolean;
  at?: number;
}

/** Adds a version 3 PM capability; returns its offset. */
export function addPmCap(cfg: ConfigSpace, o: PmOptions = {}): number {
  const at = cfg.addCap(PCI_CAP_ID_PM, PCI_PM_SIZEOF, o.at);
  const pmc =
    3 |
    (o.d1 ? PCI_PM_CAP_D1 : 0) |
    (o.d2 ? PCI_PM_CAP_D2 : 0) |
    ((o.pmeSupport ?? 0) << PCI_PM_CAP_PME_SHIFT);
  cfg.set16(at + PCI_PM_PMC, pmc);
  cfg.set16(at + PCI_PM_CTRL, PCI_PM_CTRL_NO_SOFT_RESET);
  const pmeWritable = (o.pmeSupport ?? 0) !== 0 ? PCI_PM_CTRL_PME_ENABLE : 0;
  cfg.mask(at + PCI_PM_CTRL, 2, PCI_PM_CTRL_STATE_MASK | pmeWritable, PCI_PM_CTRL_PME_STATUS);
  return at;
}
