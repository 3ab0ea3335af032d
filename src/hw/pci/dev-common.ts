/**
 * Header setup shared by the catalogue's device models: which Command, Interrupt Line
 * and bridge registers are writable (PCIe Base spec 2.0 §7.5: a PCIe function implements
 * I/O, Memory, Bus Master, Parity, SERR and INTx Disable as RW and hardwires the
 * legacy-PCI bits to 0), and the FLR side effect (§6.6.2: a write of 1 to DevCtl bit 15
 * resets the function; the bit always reads 0).
 */
import { PCI_EXP_DEVCAP, PCI_EXP_DEVCAP_FLR, PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_BCR_FLR } from "./cap-pcie.js";
import { defineBridgeRegisters } from "./pci-bar.js";
import { type PciFunction, writtenField } from "./pci-function.js";
import {
  PCI_BRIDGE_CONTROL,
  PCI_BRIDGE_CTL_PCIE_WMASK,
  PCI_COMMAND_PCIE_WMASK,
  PCI_INTERRUPT_LINE,
  PCI_INTERRUPT_PIN,
  PCI_SEC_STATUS,
  PCI_STATUS_W1C,
} from "./pci-regs.js";

/** INTx pins (Interrupt Pin register): 1 = INTA .. 4 = INTD. */
export const INTX_PIN = { none: 0, INTA: 1, INTB: 2, INTC: 3, INTD: 4 } as const;

export function endpointHeader(fn: PciFunction, pin: number = INTX_PIN.INTA): void {
  fn.setCommandMask(PCI_COMMAND_PCIE_WMASK);
  fn.cfg.set8(PCI_INTERRUPT_PIN, pin);
  fn.cfg.mask(PCI_INTERRUPT_LINE, 1, 0xff);
}

export function bridgeHeader(fn: PciFunction): void {
  fn.setCommandMask(PCI_COMMAND_PCIE_WMASK);
  defineBridgeRegisters(fn.cfg);
  fn.cfg.mask(PCI_BRIDGE_CONTROL, 2, PCI_BRIDGE_CTL_PCIE_WMASK);
  fn.cfg.mask(PCI_SEC_STATUS, 2, 0, PCI_STATUS_W1C);
  fn.cfg.set8(PCI_INTERRUPT_PIN, INTX_PIN.INTA);
  fn.cfg.mask(PCI_INTERRUPT_LINE, 1, 0xff);
}

/**
 * Wires Function Level Reset: writing 1 to "initiate FLR" resets the function's config
 * space (except what `keep` restores, e.g. nothing for an endpoint), its MSI-X table, and
 * calls `onReset` (an SR-IOV PF drops its VFs). Counts resets in `flrs`.
 */
export function wireFlr(fn: PciFunction, onReset: () => void = () => {}): { flrs: number } {
  const counter = { flrs: 0 };
  if ((fn.cfg.get32(fn.pcieCap + PCI_EXP_DEVCAP) & PCI_EXP_DEVCAP_FLR) === 0) return counter;
  fn.onWrite(fn.pcieCap + PCI_EXP_DEVCTL, 2, (off, len, val) => {
    const devctl = writtenField(off, len, val, fn.pcieCap + PCI_EXP_DEVCTL, 2) ?? 0;
    if ((devctl & PCI_EXP_DEVCTL_BCR_FLR) === 0) return;
    counter.flrs++;
    fn.cfg.reset();
    fn.msix?.reset();
    onReset();
  });
  return counter;
}
