import { describe, expect, it } from "vitest";
import { ConfigSpace } from "./config-space.js";
import { barAddress, defineBar, setBarAddress, sizeBar } from "./pci-bar.js";
import {
  PCI_CAP_ID_EXP,
  PCI_CAP_ID_MSI,
  PCI_CAP_ID_PM,
  PCI_CAPABILITY_LIST,
  PCI_STATUS,
  PCI_STATUS_CAP_LIST,
} from "./pci-regs.js";

describe("ConfigSpace byte masks", () => {
  it("a write to a read-only register does nothing", () => {
    const c = new ConfigSpace(256);
    c.set16(0, 0x8086);
    c.write(0, 2, 0x1234);
    expect(c.read(0, 2)).toBe(0x8086);
  });

  it("a read-write register takes exactly its writable bits", () => {
    const c = new ConfigSpace(256);
    c.set16(4, 0x0010); // a read-only bit already set
    c.mask(4, 2, 0x0407);
    c.write(4, 2, 0xffff);
    expect(c.read(4, 2)).toBe(0x0417);
    c.write(4, 2, 0);
    expect(c.read(4, 2)).toBe(0x0010);
  });

  it("write-1-to-clear bits clear on 1 and keep on 0", () => {
    const c = new ConfigSpace(256);
    c.set16(PCI_STATUS, 0xf900);
    c.mask(PCI_STATUS, 2, 0, 0xf900);
    c.write(PCI_STATUS, 2, 0x0100);
    expect(c.read(PCI_STATUS, 2)).toBe(0xf800);
    c.write(PCI_STATUS, 2, 0);
    expect(c.read(PCI_STATUS, 2)).toBe(0xf800);
  });

  it("reserved bits read 0 and ignore writes", () => {
    const c = new ConfigSpace(256);
    c.write(0x40, 4, 0xffffffff);
    expect(c.read(0x40, 4)).toBe(0);
  });

  it("byte and word accesses hit the right lanes", () => {
    const c = new ConfigSpace(256);
    c.mask(0x44, 4, 0xffffffff);
    c.write(0x44, 4, 0x11223344);
    expect(c.read(0x45, 1)).toBe(0x33);
    expect(c.read(0x46, 2)).toBe(0x1122);
    c.write(0x47, 1, 0xaa);
    expect(c.read(0x44, 4)).toBe(0xaa223344);
  });

  it("reads past a 256-byte space return all ones and writes there are dropped", () => {
    const c = new ConfigSpace(256);
    expect(c.read(0x100, 4)).toBe(0xffffffff);
    expect(c.read(0x102, 2)).toBe(0xffff);
    c.write(0x100, 4, 0);
    expect(c.read(0x100, 4)).toBe(0xffffffff);
  });

  it("misaligned accesses are refused", () => {
    const c = new ConfigSpace(256);
    expect(() => c.read(0x41, 2)).toThrow(RangeError);
    expect(() => c.write(0x42, 4, 0)).toThrow(RangeError);
  });

  it("reset restores the captured values, save/restore round-trips", () => {
    const c = new ConfigSpace(4096);
    c.mask(0x40, 4, 0xffffffff);
    c.captureReset();
    c.write(0x40, 4, 0xdeadbeef);
    const saved = c.save();
    c.reset();
    expect(c.read(0x40, 4)).toBe(0);
    c.restore(saved);
    expect(c.read(0x40, 4)).toBe(0xdeadbeef);
  });
});

describe("BAR sizing (write all ones, read back the size mask)", () => {
  it("a 32-bit memory BAR reads back ~(size-1) with its type bits", () => {
    const c = new ConfigSpace(256);
    defineBar(c, { index: 0, kind: "mem32", size: 128 * 1024 });
    c.write(0x10, 4, 0xffffffff);
    expect(c.read(0x10, 4)).toBe(0xfffe0000);
    expect(sizeBar(c, 0)).toBe(128 * 1024);
  });

  it("a prefetchable 64-bit BAR sizes across both dwords and keeps type bits", () => {
    const c = new ConfigSpace(256);
    defineBar(c, { index: 2, kind: "mem64", size: 256 * 2 ** 20, prefetch: true });
    expect(c.read(0x18, 4)).toBe(0xc);
    expect(sizeBar(c, 2)).toBe(256 * 2 ** 20);
  });

  it("a 64-bit BAR larger than 4 GiB sizes from the upper dword", () => {
    const c = new ConfigSpace(256);
    defineBar(c, { index: 0, kind: "mem64", size: 8 * 2 ** 30 });
    expect(sizeBar(c, 0)).toBe(8 * 2 ** 30);
  });

  it("an I/O BAR sizes with the I/O mask and keeps bit 0", () => {
    const c = new ConfigSpace(256);
    defineBar(c, { index: 2, kind: "io", size: 32 });
    c.write(0x18, 4, 0xffffffff);
    expect(c.read(0x18, 4)).toBe(0x0000ffe1);
    expect(sizeBar(c, 2)).toBe(32);
  });

  it("sizing restores the programmed address; an unimplemented BAR sizes 0", () => {
    const c = new ConfigSpace(256);
    defineBar(c, { index: 0, kind: "mem64", size: 16384 });
    setBarAddress(c, 0, 0x1_2345_0000);
    expect(sizeBar(c, 0)).toBe(16384);
    expect(barAddress(c, 0)).toBe(0x1_2345_0000);
    expect(sizeBar(c, 5)).toBe(0);
  });

  it("refuses sizes that are not powers of two", () => {
    expect(() => defineBar(new ConfigSpace(256), { index: 0, kind: "mem32", size: 3000 })).toThrow(
      RangeError,
    );
  });
});

describe("capability lists", () => {
  it("chains standard capabilities from 0x34 and sets Status.CAP_LIST", () => {
    const c = new ConfigSpace(256);
    const pm = c.addCap(PCI_CAP_ID_PM, 8);
    const msi = c.addCap(PCI_CAP_ID_MSI, 0x18, 0x50);
    expect(c.read(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST).toBe(PCI_STATUS_CAP_LIST);
    expect(c.read(PCI_CAPABILITY_LIST, 1)).toBe(pm);
    expect(c.read(pm + 1, 1)).toBe(msi);
    expect(c.read(msi + 1, 1)).toBe(0);
    expect(c.findCap(PCI_CAP_ID_MSI)).toBe(0x50);
    expect(c.findCap(PCI_CAP_ID_EXP)).toBe(0);
    expect(() => c.addCap(PCI_CAP_ID_EXP, 8, 0x44)).toThrow(/overlaps/);
  });

  it("chains extended capabilities from 0x100 with id, version and next", () => {
    const c = new ConfigSpace(4096);
    const aer = c.addExtCap(0x01, 1, 0x48);
    const ari = c.addExtCap(0x0e, 1, 8, 0x150);
    expect(aer).toBe(0x100);
    expect(c.read(0x100, 4)).toBe(0x15010001);
    expect(c.read(0x150, 4)).toBe(0x0001000e);
    expect(c.findExtCap(0x0e)).toBe(ari);
    expect(() => new ConfigSpace(256).addExtCap(1, 1, 8)).toThrow(RangeError);
  });
});
