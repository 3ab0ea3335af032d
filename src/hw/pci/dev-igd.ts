/**
 * Intel integrated graphics at 00:02.0: the GM45 "Mobile 4 Series Chipset Integrated
 * Graphics Controller" (8086:2a42, class 030000), the device of the "Graphics passthru
 * with VT-d" talk (Xen 049607ff33; qemu-xen hw/pt-graphics.c). Config space as lspci
 * shows the part: BAR0 4 MiB 64-bit MMIO+GTT (GTTMMADR), BAR2 256 MiB 64-bit
 * prefetchable aperture (GMADR), BAR4 8-byte I/O; MSI 0x90 (32-bit), PM 0xd0; MGGC
 * mirror at 0x52, BSM at 0x5c, and ASLS at 0xfc: the physical address of the ACPI
 * OpRegion (IGD OpRegion spec: 8 KiB, two pages), which the BIOS writes.
 *
 * What passthrough additionally needs from the host (seed-talks T3) is described by the
 * constants below and checked by src/hw/iommu/igd-passthrough.ts.
 */
import { addMsiCap } from "./cap-msi.js";
import { addPmCap } from "./cap-pm.js";
import { endpointHeader } from "./dev-common.js";
import { PciFunction } from "./pci-function.js";
import { PCI_CFG_SPACE_SIZE, PCI_CLASS } from "./pci-regs.js";

export const IGD_GM45 = { vendor: 0x8086, device: 0x2a42, revision: 0x07 } as const;
/** The IGD's fixed place: bus 0, device 2, function 0 (drivers hard-code it). */
export const IGD_DEVFN = 0x10;
export const IGD_REGS = { MGGC: 0x52, BSM: 0x5c, ASLS: 0xfc } as const;
/** IGD OpRegion size (IGD OpRegion spec 2.0: 8 KiB). */
export const OPREGION_SIZE = 0x2000;
/** Where the BIOS put the OpRegion on our model laptop (page aligned, in reserved memory). */
export const OPREGION_ADDR = 0xbdffc000;

/** Legacy VGA resources the IGD decodes (VGA spec; pt-graphics.c register_vga_regions). */
export const LEGACY_VGA = {
  io: [
    { base: 0x3b0, end: 0x3bb },
    { base: 0x3c0, end: 0x3df },
  ],
  mmio: [{ base: 0xa0000, end: 0xbffff }],
} as const;

/** The legacy VGA option ROM shadow: host 0xc0000, at most 64 KiB (PCI Firmware spec 3.0 §5.1). */
export const VGA_ROM_ADDR = 0xc0000;
export const VGA_ROM_MAX = 0x10000;

export function makeIgdGm45(): PciFunction {
  const fn = new PciFunction(
    "igd-gm45",
    "endpoint",
    PCI_CFG_SPACE_SIZE,
    { ...IGD_GM45, classCode: PCI_CLASS.vga, headerType: 0, subVendor: 0x17aa, subDevice: 0x20e4 },
    "VGA compatible controller: Intel Corporation Mobile 4 Series Chipset Integrated Graphics Controller",
  );
  endpointHeader(fn);
  fn.addBar({ index: 0, kind: "mem64", size: 4 * 1024 * 1024 });
  fn.addBar({ index: 2, kind: "mem64", size: 256 * 1024 * 1024, prefetch: true });
  fn.addBar({ index: 4, kind: "io", size: 8 });
  const c = fn.cfg;
  fn.msiCap = addMsiCap(c, { is64: false, at: 0x90 });
  addPmCap(c, { at: 0xd0 });
  c.set16(IGD_REGS.MGGC, 0x0350);
  c.set32(IGD_REGS.BSM, 0xbe000000);
  c.set32(IGD_REGS.ASLS, OPREGION_ADDR);
  c.mask(IGD_REGS.ASLS, 4, 0xffffffff);
  c.captureReset();
  return fn;
}

/**
 * A VGA option ROM image as the host BIOS leaves it at 0xc0000: signature 0x55 0xaa,
 * size in 512-byte blocks at byte 2, and a byte sum of 0 over the image.
 */
export function makeVgaRom(blocks = 0x80): Uint8Array {
  const rom = new Uint8Array(blocks * 512);
  rom[0] = 0x55;
  rom[1] = 0xaa;
  rom[2] = blocks & 0xff;
  for (let i = 3; i < rom.length - 1; i++) rom[i] = (i * 7) & 0xff; // stand-in code bytes
  let sum = 0;
  for (let i = 0; i < rom.length - 1; i++) sum = (sum + rom[i]) & 0xff;
  rom[rom.length - 1] = (0x100 - sum) & 0xff;
  return rom;
}
