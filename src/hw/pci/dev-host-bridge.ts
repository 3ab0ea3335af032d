/**
 * Host bridges (00:00.0): the root complex's own function, through which the CPU reaches
 * the hierarchy. Two from the 2009 platforms of the talks:
 *  - Intel 5520 I/O Hub to ESI port (8086:3406), the VT-d server platform (Tylersburg);
 *  - Intel GM45 memory controller hub (8086:2a40, "Mobile 4 Series Chipset Memory
 *    Controller Hub"), the home of the integrated graphics that the IGD passthrough talk
 *    targets, with the registers the IGD driver reads through it (seed-talks T3 item 4;
 *    Intel GM45 datasheet §5.1: GGC 0x52, TOM 0xa0, TOUUD 0xa2, BSM 0xa4 (GM45 "BSM"),
 *    TOLUD 0xb0). Values describe a 4 GiB machine with 32 MiB stolen for graphics.
 */
import { PciFunction } from "./pci-function.js";
import {
  PCI_CFG_SPACE_EXP_SIZE,
  PCI_CFG_SPACE_SIZE,
  PCI_CLASS,
  PCI_COMMAND,
  PCI_COMMAND_MEMORY,
} from "./pci-regs.js";

export const HOST_5520 = { vendor: 0x8086, device: 0x3406, revision: 0x22 } as const;
export const HOST_GM45 = { vendor: 0x8086, device: 0x2a40, revision: 0x07 } as const;

/** GM45 host bridge registers the IGD passthrough path must pass through (T3 item 4). */
export const GM45_REGS = {
  GGC: 0x52, // graphics control: stolen memory size, GTT size
  PAVPC: 0x58, // protected audio video path control (also writable by the guest)
  TOM: 0xa0,
  TOUUD: 0xa2,
  BSM: 0xa4, // base of stolen memory
  TOLUD: 0xb0,
} as const;

export function makeHostBridge5520(): PciFunction {
  const fn = new PciFunction(
    "ioh5520-host-bridge",
    "host-bridge",
    PCI_CFG_SPACE_EXP_SIZE,
    { ...HOST_5520, classCode: PCI_CLASS.hostBridge, headerType: 0, subVendor: 0x8086, subDevice: 0 },
    "Host bridge: Intel Corporation 5520 I/O Hub to ESI Port",
  );
  fn.cfg.set16(PCI_COMMAND, PCI_COMMAND_MEMORY);
  fn.cfg.captureReset();
  return fn;
}

export function makeHostBridgeGm45(): PciFunction {
  const fn = new PciFunction(
    "gm45-host-bridge",
    "host-bridge",
    PCI_CFG_SPACE_SIZE,
    { ...HOST_GM45, classCode: PCI_CLASS.hostBridge, headerType: 0, subVendor: 0x17aa, subDevice: 0x20e0 },
    "Host bridge: Intel Corporation Mobile 4 Series Chipset Memory Controller Hub",
  );
  const c = fn.cfg;
  c.set16(PCI_COMMAND, PCI_COMMAND_MEMORY);
  // GGC: GMS = 32 MiB stolen (0b0101 << 4 ... GM45 encoding 0x5 at bits 7..4), GGMS 2 MiB GTT.
  c.set16(GM45_REGS.GGC, 0x0050 | (0x3 << 8));
  c.set16(GM45_REGS.TOM, 0x0040); // 4 GiB in 64 MiB units
  c.set16(GM45_REGS.TOUUD, 0x1000); // 4 GiB in 1 MiB units
  c.set32(GM45_REGS.BSM, 0xbe000000); // stolen memory base
  c.set16(GM45_REGS.TOLUD, 0xc000); // 3 GiB top of low usable DRAM (bits 15..4)
  c.mask(GM45_REGS.PAVPC, 4, 0xffffffff);
  c.captureReset();
  return fn;
}
