/**
 * The AER error flow (PCIe Base spec 2.0 §6.2.4-6.2.6 and Figure 6-3; QEMU
 * hw/pci/pcie_aer.c pcie_aer_inject_error / pcie_aer_msg as the reference model):
 *
 * 1. Detection at a function: Device Status gets CED/NFED/FED (URD for unsupported
 *    requests) whatever the masks say. The AER status bit is set; a masked error stops
 *    there. An unmasked uncorrectable error is logged (first error pointer and the TLP
 *    header) only when no earlier error is still logged, i.e. the status bit the first
 *    error pointer names is clear (§6.2.4.2; multiple header recording is not offered).
 * 2. Signalling: ERR_COR leaves when DevCtl.CERE is set; ERR_NONFATAL / ERR_FATAL when the
 *    matching DevCtl enable or Command.SERR is set (Command.SERR also sets Status "signalled
 *    system error").
 * 3. Each port on the way up receives the message on its secondary side: an uncorrectable
 *    one sets Secondary Status "received system error"; Bridge Control SERR Enable gates
 *    forwarding of all three messages to the primary side (§7.5.3.6). A cleared bit
 *    contains the error there (T2 experiment iv).
 * 4. The root port sets Root Error Status (COR/UNCOR received, MULTI when the class is
 *    already set, FIRST_FATAL, FATAL/NONFATAL received), latches the source id, and
 *    raises its interrupt only when Root Error Command enables the class and no enabled
 *    class was already set (a level condition signalled on its 0 -> 1 edge; §6.2.4.1.2).
 *
 * TLP header log: the register's value holds header byte 0 in bits 31..24 (§7.10.8), the
 * way Linux prints "TLP Header: 40000001 ...". (interfaces.md notes QEMU stores the
 * DWORDs with stl_be_p; we follow the spec's register view.)
 */

import {
  PCI_EXP_DEVCTL,
  PCI_EXP_DEVCTL_CERE,
  PCI_EXP_DEVCTL_FERE,
  PCI_EXP_DEVCTL_NFERE,
  PCI_EXP_DEVCTL_URRE,
  PCI_EXP_DEVSTA,
  PCI_EXP_DEVSTA_CED,
  PCI_EXP_DEVSTA_FED,
  PCI_EXP_DEVSTA_NFED,
  PCI_EXP_DEVSTA_URD,
  PCI_EXP_FLAGS,
  PCI_EXP_FLAGS_IRQ,
} from "./cap-pcie.js";
import {
  type CorrectableError,
  PCI_ERR_CAP,
  PCI_ERR_CAP_FEP_MASK,
  PCI_ERR_COR,
  PCI_ERR_COR_MASK,
  PCI_ERR_COR_STATUS,
  PCI_ERR_HEADER_LOG,
  PCI_ERR_ROOT_COMMAND,
  PCI_ERR_ROOT_COR_RCV,
  PCI_ERR_ROOT_ERR_SRC,
  PCI_ERR_ROOT_FATAL_RCV,
  PCI_ERR_ROOT_FIRST_FATAL,
  PCI_ERR_ROOT_MULTI_COR_RCV,
  PCI_ERR_ROOT_MULTI_UNCOR_RCV,
  PCI_ERR_ROOT_NONFATAL_RCV,
  PCI_ERR_ROOT_STATUS,
  PCI_ERR_ROOT_UNCOR_RCV,
  PCI_ERR_UNC,
  PCI_ERR_UNC_SEVERITY_DEFAULT,
  PCI_ERR_UNCOR_MASK,
  PCI_ERR_UNCOR_SEVER,
  PCI_ERR_UNCOR_STATUS,
  type UncorrectableError,
} from "./ext-cap-aer.js";
import type { PciFunction } from "./pci-function.js";
import {
  PCI_BRIDGE_CONTROL,
  PCI_BRIDGE_CTL_SERR,
  PCI_COMMAND,
  PCI_COMMAND_SERR,
  PCI_SEC_STATUS,
  PCI_SEC_STATUS_REC_SYSTEM_ERROR,
  PCI_STATUS,
  PCI_STATUS_SIG_SYSTEM_ERROR,
} from "./pci-regs.js";
import type { PciTopology } from "./pci-topology.js";

export const AER_SEVERITIES = ["correctable", "nonfatal", "fatal"] as const;
export type AerSeverity = (typeof AER_SEVERITIES)[number];

export type AerError =
  | { class: "correctable"; error: CorrectableError }
  | { class: "uncorrectable"; error: UncorrectableError };

/** What happened to one injected error, step by step. */
export interface AerOutcome {
  severity: AerSeverity;
  /** The AER status bit was set (always, when the function has AER). */
  statusSet: boolean;
  masked: boolean;
  /** First error pointer and header log written by this error. */
  logged: boolean;
  /** An error message left the function. */
  sent: boolean;
  /** The port that contained the message (Bridge Control SERR clear), if any. */
  containedAt: PciFunction | null;
  /** The root port that received it, if it got there. */
  root: PciFunction | null;
  /** The root port raised its interrupt for this message. */
  interrupt: boolean;
  /** Root Error Status after the message. */
  rootStatus: number;
}

/** A default TLP header: a 1-DWORD Memory Read (MRd, 3DW) from the function at `address`. */
export function defaultTlpHeader(fn: PciFunction, address = 0): [number, number, number, number] {
  const tag = 0;
  return [0x00000001, ((fn.bdf << 16) | (tag << 8) | 0x0f) >>> 0, address >>> 0, 0];
}

/** Severity of an uncorrectable error at `fn`: its AER severity register, else the default. */
export function severityOf(fn: PciFunction, e: AerError): AerSeverity {
  if (e.class === "correctable") return "correctable";
  const bit = PCI_ERR_UNC[e.error];
  const sever = fn.aerCap ? fn.cfg.get32(fn.aerCap + PCI_ERR_UNCOR_SEVER) : PCI_ERR_UNC_SEVERITY_DEFAULT;
  return sever & bit ? "fatal" : "nonfatal";
}

const ROOT_CMD_FOR: Record<AerSeverity, number> = { correctable: 0x1, nonfatal: 0x2, fatal: 0x4 };

/** Injects one error detected by `fn` and runs the whole flow. */
export function injectAerError(
  topo: PciTopology,
  fn: PciFunction,
  e: AerError,
  header: readonly number[] = defaultTlpHeader(fn),
): AerOutcome {
  if (fn.pcieCap === 0) throw new Error(`${fn.name} is not a PCI Express function`);
  const severity = severityOf(fn, e);
  const out: AerOutcome = {
    severity,
    statusSet: false,
    masked: false,
    logged: false,
    sent: false,
    containedAt: null,
    root: null,
    interrupt: false,
    rootStatus: 0,
  };
  const ur = e.class === "uncorrectable" && e.error === "unsupportedRequest";
  setDeviceStatus(fn, severity, ur);
  if (fn.aerCap !== 0 && !detectAndLog(fn, e, header, out)) return out;
  if (!mayReport(fn, severity, ur)) return out;
  out.sent = true;
  if (fn.kind === "root-port") {
    rootReceives(fn, severity, fn.bdf, out);
    return out;
  }
  for (const port of topo.bridgesAbove(fn).reverse()) {
    if (!portForwards(port, severity)) {
      out.containedAt = port;
      return out;
    }
    if (port.kind === "root-port") {
      rootReceives(port, severity, fn.bdf, out);
      return out;
    }
  }
  return out; // no root port above (a function on the root bus): nobody collects it
}

function setDeviceStatus(fn: PciFunction, s: AerSeverity, ur: boolean): void {
  const bits =
    (s === "correctable" ? PCI_EXP_DEVSTA_CED : s === "fatal" ? PCI_EXP_DEVSTA_FED : PCI_EXP_DEVSTA_NFED) |
    (ur ? PCI_EXP_DEVSTA_URD : 0);
  fn.cfg.setBits(fn.pcieCap + PCI_EXP_DEVSTA, 2, bits);
}

/** Steps 1: status, mask, log. Returns false when the error is masked. */
function detectAndLog(fn: PciFunction, e: AerError, header: readonly number[], out: AerOutcome): boolean {
  const at = fn.aerCap;
  const c = fn.cfg;
  out.statusSet = true;
  if (e.class === "correctable") {
    const bit = PCI_ERR_COR[e.error];
    c.setBits(at + PCI_ERR_COR_STATUS, 4, bit);
    out.masked = (c.get32(at + PCI_ERR_COR_MASK) & bit) !== 0;
    return !out.masked;
  }
  const bit = PCI_ERR_UNC[e.error];
  const status = c.get32(at + PCI_ERR_UNCOR_STATUS);
  out.masked = (c.get32(at + PCI_ERR_UNCOR_MASK) & bit) !== 0;
  const fep = c.get32(at + PCI_ERR_CAP) & PCI_ERR_CAP_FEP_MASK;
  const logValid = ((status >>> fep) & 1) === 1;
  c.setBits(at + PCI_ERR_UNCOR_STATUS, 4, bit);
  if (out.masked) return false;
  if (!logValid) {
    const cap = c.get32(at + PCI_ERR_CAP) & ~PCI_ERR_CAP_FEP_MASK;
    c.set32(at + PCI_ERR_CAP, (cap | (31 - Math.clz32(bit))) >>> 0);
    for (let i = 0; i < 4; i++) c.set32(at + PCI_ERR_HEADER_LOG + 4 * i, (header[i] ?? 0) >>> 0);
    out.logged = true;
  }
  return true;
}

/** Step 2: may the function send the message? */
function mayReport(fn: PciFunction, s: AerSeverity, ur: boolean): boolean {
  const devctl = fn.cfg.get16(fn.pcieCap + PCI_EXP_DEVCTL);
  const serr = (fn.cfg.get16(PCI_COMMAND) & PCI_COMMAND_SERR) !== 0;
  if (s === "correctable")
    return (devctl & PCI_EXP_DEVCTL_CERE) !== 0 && (!ur || (devctl & PCI_EXP_DEVCTL_URRE) !== 0);
  if (ur && (devctl & PCI_EXP_DEVCTL_URRE) === 0 && !serr) return false;
  const enable = s === "fatal" ? PCI_EXP_DEVCTL_FERE : PCI_EXP_DEVCTL_NFERE;
  if ((devctl & enable) === 0 && !serr) return false;
  if (serr) fn.cfg.setBits(PCI_STATUS, 2, PCI_STATUS_SIG_SYSTEM_ERROR);
  return true;
}

/** Step 3: a port receives the message on its secondary side; true if it forwards it. */
function portForwards(port: PciFunction, s: AerSeverity): boolean {
  if (s !== "correctable") port.cfg.setBits(PCI_SEC_STATUS, 2, PCI_SEC_STATUS_REC_SYSTEM_ERROR);
  return (port.cfg.get16(PCI_BRIDGE_CONTROL) & PCI_BRIDGE_CTL_SERR) !== 0;
}

/** Step 4: the root port collects the message. */
function rootReceives(root: PciFunction, s: AerSeverity, source: number, out: AerOutcome): void {
  out.root = root;
  const at = root.aerCap;
  if (at === 0) return;
  const c = root.cfg;
  const prev = c.get32(at + PCI_ERR_ROOT_STATUS);
  let st = prev;
  if (s === "correctable") {
    if (st & PCI_ERR_ROOT_COR_RCV) st |= PCI_ERR_ROOT_MULTI_COR_RCV;
    else c.set16(at + PCI_ERR_ROOT_ERR_SRC, source);
    st |= PCI_ERR_ROOT_COR_RCV;
  } else {
    if (s === "fatal") {
      if ((st & PCI_ERR_ROOT_UNCOR_RCV) === 0) st |= PCI_ERR_ROOT_FIRST_FATAL;
      st |= PCI_ERR_ROOT_FATAL_RCV;
    } else st |= PCI_ERR_ROOT_NONFATAL_RCV;
    if (st & PCI_ERR_ROOT_UNCOR_RCV) st |= PCI_ERR_ROOT_MULTI_UNCOR_RCV;
    else c.set16(at + PCI_ERR_ROOT_ERR_SRC + 2, source);
    st |= PCI_ERR_ROOT_UNCOR_RCV;
  }
  c.set32(at + PCI_ERR_ROOT_STATUS, st >>> 0);
  out.rootStatus = st >>> 0;
  const cmd = c.get32(at + PCI_ERR_ROOT_COMMAND);
  if ((cmd & ROOT_CMD_FOR[s]) === 0 || (statusToCmd(prev) & cmd) !== 0) return;
  out.interrupt = true;
  // The AER interrupt uses the message number in Root Error Status 31..27; our ports
  // keep it equal to the PCIe capability's (both 0 by default).
  root.interrupt((c.get16(root.pcieCap + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_IRQ) >> 9);
}

function statusToCmd(st: number): number {
  return (
    (st & PCI_ERR_ROOT_COR_RCV ? 0x1 : 0) |
    (st & PCI_ERR_ROOT_NONFATAL_RCV ? 0x2 : 0) |
    (st & PCI_ERR_ROOT_FATAL_RCV ? 0x4 : 0)
  );
}

/**
 * What an OS AER driver does at boot (Linux drivers/pci/pcie/aer.c aer_enable_rootport and
 * set_device_error_reporting): every PCIe function reports all classes (DevCtl
 * CERE|NFERE|FERE|URRE); root ports clear old status and interrupt on all three classes.
 */
export function enableAerReporting(topo: PciTopology): void {
  for (const fn of topo.all()) enableFunctionAerReporting(fn);
}

/** The per-function part of enableAerReporting (also run for functions that appear later). */
export function enableFunctionAerReporting(fn: PciFunction): void {
  if (fn.pcieCap === 0) return;
  fn.configWrite(
    fn.pcieCap + PCI_EXP_DEVCTL,
    2,
    fn.cfg.get16(fn.pcieCap + PCI_EXP_DEVCTL) |
      PCI_EXP_DEVCTL_CERE |
      PCI_EXP_DEVCTL_NFERE |
      PCI_EXP_DEVCTL_FERE |
      PCI_EXP_DEVCTL_URRE,
  );
  if (fn.kind === "root-port" && fn.aerCap !== 0) {
    fn.configWrite(fn.aerCap + PCI_ERR_ROOT_STATUS, 4, 0x7f);
    fn.configWrite(fn.aerCap + PCI_ERR_ROOT_COMMAND, 4, 0x7);
  }
}
