/**
 * Advanced Error Reporting extended capability (PCIe Base spec 2.0 §7.10; pci_regs.h
 * PCI_ERR_*; QEMU hw/pci/pcie_aer.c pcie_aer_init for masks and defaults). Status
 * registers are RW1CS, masks and severity RW, the header log RO; the root port adds
 * root error command (RW), root error status (RW1C) and the error source ids (RO).
 * The error flow itself (logging, propagation, root interrupt) is in pcie-aer.ts.
 */
import type { ConfigSpace } from "./config-space.js";
import { PCI_EXT_CAP_ID_ERR } from "./pci-regs.js";

export const PCI_ERR_UNCOR_STATUS = 0x04;
export const PCI_ERR_UNCOR_MASK = 0x08;
export const PCI_ERR_UNCOR_SEVER = 0x0c;
export const PCI_ERR_COR_STATUS = 0x10;
export const PCI_ERR_COR_MASK = 0x14;
export const PCI_ERR_CAP = 0x18;
export const PCI_ERR_CAP_FEP_MASK = 0x1f;
export const PCI_ERR_CAP_ECRC_GENC = 0x0020;
export const PCI_ERR_CAP_ECRC_GENE = 0x0040;
export const PCI_ERR_CAP_ECRC_CHKC = 0x0080;
export const PCI_ERR_CAP_ECRC_CHKE = 0x0100;
export const PCI_ERR_CAP_MHRC = 0x0200;
export const PCI_ERR_CAP_MHRE = 0x0400;
export const PCI_ERR_HEADER_LOG = 0x1c;
export const PCI_ERR_ROOT_COMMAND = 0x2c;
export const PCI_ERR_ROOT_CMD_COR_EN = 0x1;
export const PCI_ERR_ROOT_CMD_NONFATAL_EN = 0x2;
export const PCI_ERR_ROOT_CMD_FATAL_EN = 0x4;
export const PCI_ERR_ROOT_STATUS = 0x30;
export const PCI_ERR_ROOT_COR_RCV = 0x01;
export const PCI_ERR_ROOT_MULTI_COR_RCV = 0x02;
export const PCI_ERR_ROOT_UNCOR_RCV = 0x04;
export const PCI_ERR_ROOT_MULTI_UNCOR_RCV = 0x08;
export const PCI_ERR_ROOT_FIRST_FATAL = 0x10;
export const PCI_ERR_ROOT_NONFATAL_RCV = 0x20;
export const PCI_ERR_ROOT_FATAL_RCV = 0x40;
export const PCI_ERR_ROOT_STATUS_W1C = 0x7f;
export const PCI_ERR_ROOT_IRQ_SHIFT = 27;
export const PCI_ERR_ROOT_ERR_SRC = 0x34;
export const PCI_ERR_TLP_PREFIX_LOG = 0x38;
/** Size with the root-port registers (QEMU PCI_ERR_SIZEOF). */
export const PCI_ERR_SIZEOF = 0x48;
/** Size for a function that is not a root port (up to the header log). */
export const PCI_ERR_SIZEOF_NON_ROOT = 0x2c;

/** Uncorrectable error bits (status, mask and severity share them). */
export const PCI_ERR_UNC = {
  undefined: 1 << 0,
  dlp: 1 << 4,
  surpriseDown: 1 << 5,
  poisonedTlp: 1 << 12,
  flowControl: 1 << 13,
  completionTimeout: 1 << 14,
  completerAbort: 1 << 15,
  unexpectedCompletion: 1 << 16,
  receiverOverflow: 1 << 17,
  malformedTlp: 1 << 18,
  ecrc: 1 << 19,
  unsupportedRequest: 1 << 20,
  acsViolation: 1 << 21,
  internal: 1 << 22,
} as const;
export type UncorrectableError = keyof typeof PCI_ERR_UNC;

/** Correctable error bits. */
export const PCI_ERR_COR = {
  receiver: 1 << 0,
  badTlp: 1 << 6,
  badDllp: 1 << 7,
  replayRollover: 1 << 8,
  replayTimer: 1 << 12,
  advisoryNonFatal: 1 << 13,
  internal: 1 << 14,
  headerLogOverflow: 1 << 15,
} as const;
export type CorrectableError = keyof typeof PCI_ERR_COR;

/** Bits the model implements in the uncorrectable registers (PCIe 2.0: 4, 5, 12..22). */
export const PCI_ERR_UNC_SUPPORTED =
  Object.values(PCI_ERR_UNC).reduce((a, b) => a | b, 0) & ~PCI_ERR_UNC.undefined;
export const PCI_ERR_COR_SUPPORTED = Object.values(PCI_ERR_COR).reduce((a, b) => a | b, 0);
/**
 * Default severity (1 = fatal): data link protocol, surprise down, flow control protocol,
 * receiver overflow, malformed TLP and internal errors (PCIe 2.0 §7.10.4; QEMU
 * PCI_ERR_UNC_SEVERITY_DEFAULT).
 */
export const PCI_ERR_UNC_SEVERITY_DEFAULT =
  PCI_ERR_UNC.dlp |
  PCI_ERR_UNC.surpriseDown |
  PCI_ERR_UNC.flowControl |
  PCI_ERR_UNC.receiverOverflow |
  PCI_ERR_UNC.malformedTlp |
  PCI_ERR_UNC.internal;
/** Default correctable mask: advisory non-fatal, corrected internal, header log overflow (QEMU). */
export const PCI_ERR_COR_MASK_DEFAULT =
  PCI_ERR_COR.advisoryNonFatal | PCI_ERR_COR.internal | PCI_ERR_COR.headerLogOverflow;

export interface AerOptions {
  rootPort: boolean;
  ecrc?: boolean;
  at?: number;
}

/** Adds the AER capability (version 1, as PCIe 2.0 hardware reports); returns its offset. */
export function addAerCap(cfg: ConfigSpace, o: AerOptions): number {
  const size = o.rootPort ? PCI_ERR_SIZEOF : PCI_ERR_SIZEOF_NON_ROOT;
  const at = cfg.addExtCap(PCI_EXT_CAP_ID_ERR, 1, size, o.at);
  cfg.mask(at + PCI_ERR_UNCOR_STATUS, 4, 0, PCI_ERR_UNC_SUPPORTED);
  cfg.mask(at + PCI_ERR_UNCOR_MASK, 4, PCI_ERR_UNC_SUPPORTED);
  cfg.set32(at + PCI_ERR_UNCOR_SEVER, PCI_ERR_UNC_SEVERITY_DEFAULT);
  cfg.mask(at + PCI_ERR_UNCOR_SEVER, 4, PCI_ERR_UNC_SUPPORTED);
  cfg.mask(at + PCI_ERR_COR_STATUS, 4, 0, PCI_ERR_COR_SUPPORTED);
  cfg.set32(at + PCI_ERR_COR_MASK, PCI_ERR_COR_MASK_DEFAULT);
  cfg.mask(at + PCI_ERR_COR_MASK, 4, PCI_ERR_COR_SUPPORTED);
  const ecrc = o.ecrc ? PCI_ERR_CAP_ECRC_GENC | PCI_ERR_CAP_ECRC_CHKC : 0;
  cfg.set32(at + PCI_ERR_CAP, ecrc);
  cfg.mask(at + PCI_ERR_CAP, 4, o.ecrc ? PCI_ERR_CAP_ECRC_GENE | PCI_ERR_CAP_ECRC_CHKE : 0);
  if (o.rootPort) {
    cfg.mask(at + PCI_ERR_ROOT_COMMAND, 4, 0x7);
    cfg.mask(at + PCI_ERR_ROOT_STATUS, 4, 0, PCI_ERR_ROOT_STATUS_W1C);
  }
  return at;
}
