/**
 * The ISA/LPC bridge at 00:1f.0 of a GM45 laptop: Intel ICH9M LPC Interface Controller
 * (8086:2919, class 060100). The IGD driver identifies the PCH through it, so IGD
 * passthrough must expose one with the host's ids (seed-talks T3 item 5).
 */
import { PciFunction } from "./pci-function.js";
import {
  PCI_CFG_SPACE_SIZE,
  PCI_CLASS,
  PCI_COMMAND,
  PCI_COMMAND_IO,
  PCI_COMMAND_MEMORY,
} from "./pci-regs.js";

export const LPC_ICH9M = { vendor: 0x8086, device: 0x2919, revision: 0x03 } as const;

export function makeLpcIch9m(): PciFunction {
  const fn = new PciFunction(
    "ich9m-lpc",
    "isa-bridge",
    PCI_CFG_SPACE_SIZE,
    { ...LPC_ICH9M, classCode: PCI_CLASS.isaBridge, headerType: 0, subVendor: 0x17aa, subDevice: 0x20f5 },
    "ISA bridge: Intel Corporation ICH9M LPC Interface Controller",
  );
  fn.cfg.set16(PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
  fn.cfg.captureReset();
  return fn;
}
