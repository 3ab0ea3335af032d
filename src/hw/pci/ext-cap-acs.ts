/**
 * Access Control Services extended capability (PCIe Base spec 2.0 §7.16; pci_regs.h
 * PCI_ACS_*), as root and downstream ports implement it so that peer-to-peer traffic
 * between assigned functions goes up through the IOMMU. Each control bit is RW when the
 * matching capability bit is set, RO 0 otherwise.
 */
import type { ConfigSpace } from "./config-space.js";
import { PCI_EXT_CAP_ID_ACS } from "./pci-regs.js";

export const PCI_ACS_CAP = 0x04;
export const PCI_ACS_CTRL = 0x06;
export const PCI_ACS = {
  sourceValidation: 0x01,
  translationBlocking: 0x02,
  requestRedirect: 0x04,
  completionRedirect: 0x08,
  upstreamForwarding: 0x10,
  egressControl: 0x20,
  directTranslated: 0x40,
} as const;
export const PCI_ACS_SIZEOF = 8;

/** Adds ACS with capability bits `caps` (egress control vector not implemented). */
export function addAcsCap(cfg: ConfigSpace, caps: number, at?: number): number {
  const off = cfg.addExtCap(PCI_EXT_CAP_ID_ACS, 1, PCI_ACS_SIZEOF, at);
  const c = caps & ~PCI_ACS.egressControl & 0x7f;
  cfg.set16(off + PCI_ACS_CAP, c);
  cfg.mask(off + PCI_ACS_CTRL, 2, c);
  return off;
}
