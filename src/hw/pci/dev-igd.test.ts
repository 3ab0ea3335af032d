import { describe, expect, it } from "vitest";
import { IGD_REGS, makeIgdGm45, makeVgaRom, OPREGION_ADDR } from "./dev-igd.js";
import { sizeBar } from "./pci-bar.js";

describe("GM45 integrated graphics", () => {
  it("resets to 8086:2a42, VGA class, with a 4 MiB MMIO BAR, a 256 MiB prefetchable aperture and 8 I/O ports", () => {
    const f = makeIgdGm45();
    expect(f.configRead(0, 4)).toBe(0x2a428086);
    expect(f.configRead(0x08, 4) >>> 8).toBe(0x030000);
    expect(sizeBar(f.cfg, 0)).toBe(4 << 20);
    expect(sizeBar(f.cfg, 2)).toBe(256 << 20);
    expect(f.configRead(0x18, 4) & 0xf).toBe(0xc); // 64-bit prefetchable
    expect(sizeBar(f.cfg, 4)).toBe(8);
  });

  it("ASLS holds the OpRegion address and is writable by the BIOS", () => {
    const f = makeIgdGm45();
    expect(f.configRead(IGD_REGS.ASLS, 4)).toBe(OPREGION_ADDR);
    f.configWrite(IGD_REGS.ASLS, 4, 0xbf000000);
    expect(f.configRead(IGD_REGS.ASLS, 4)).toBe(0xbf000000);
    f.configWrite(IGD_REGS.MGGC, 2, 0); // the graphics control mirror is read-only here
    expect(f.configRead(IGD_REGS.MGGC, 2)).toBe(0x0350);
  });

  it("makes a VGA ROM image with the 0x55aa signature, its size byte and a zero byte sum", () => {
    const rom = makeVgaRom(0x40);
    expect([rom[0], rom[1], rom[2]]).toEqual([0x55, 0xaa, 0x40]);
    expect(rom.length).toBe(0x40 * 512);
    expect(rom.reduce((a, b) => (a + b) & 0xff, 0)).toBe(0);
  });
});
