/**
 * Base address registers and bridge windows: how a function declares its address
 * ranges in config space so that firmware can size them (PCI Local Bus spec 3.0 §6.2.5.1;
 * pci_regs.h PCI_BASE_ADDRESS_*). Sizing falls out of the writable mask alone: software
 * writes all ones and reads back `~(size - 1)` in the address bits, with the type bits
 * (I/O, 64-bit, prefetchable) read-only, exactly as hardware does.
 */
import type { ConfigSpace } from "./config-space.js";
import {
  PCI_BASE_ADDRESS_0,
  PCI_BASE_ADDRESS_IO_MASK,
  PCI_BASE_ADDRESS_MEM_MASK,
  PCI_BASE_ADDRESS_MEM_PREFETCH,
  PCI_BASE_ADDRESS_MEM_TYPE_64,
  PCI_BASE_ADDRESS_SPACE_IO,
  PCI_IO_BASE,
  PCI_IO_BASE_UPPER16,
  PCI_IO_LIMIT,
  PCI_IO_LIMIT_UPPER16,
  PCI_IO_RANGE_TYPE_32,
  PCI_MEMORY_BASE,
  PCI_MEMORY_LIMIT,
  PCI_PREF_BASE_UPPER32,
  PCI_PREF_LIMIT_UPPER32,
  PCI_PREF_MEMORY_BASE,
  PCI_PREF_MEMORY_LIMIT,
  PCI_PREF_RANGE_TYPE_64,
  PCI_PRIMARY_BUS,
  PCI_SEC_LATENCY_TIMER,
  PCI_SECONDARY_BUS,
  PCI_SUBORDINATE_BUS,
} from "./pci-regs.js";

export const BAR_KINDS = ["mem32", "mem64", "io"] as const;
export type BarKind = (typeof BAR_KINDS)[number];

export interface BarSpec {
  /** BAR index 0..5 (a 64-bit BAR also uses index + 1). */
  index: number;
  kind: BarKind;
  /** Bytes; a power of two, at least 16 (memory) or 4 (I/O). */
  size: number;
  prefetch?: boolean;
}

const TWO32 = 2 ** 32;

/** Declares a BAR at `base` (0x10 for a function's BARs, SR-IOV VF BAR0 for VF BARs). */
export function defineBar(cfg: ConfigSpace, bar: BarSpec, base = PCI_BASE_ADDRESS_0): void {
  const { size, kind } = bar;
  const min = kind === "io" ? 4 : 16;
  if (!(size >= min && Number.isInteger(Math.log2(size))))
    throw new RangeError(`BAR${bar.index} size ${size} is not a power of two >= ${min}`);
  const off = base + 4 * bar.index;
  if (kind === "io") {
    cfg.set32(off, PCI_BASE_ADDRESS_SPACE_IO);
    cfg.mask(off, 4, (~(size - 1) & PCI_BASE_ADDRESS_IO_MASK & 0xffff) >>> 0);
    return;
  }
  const typeBits =
    (kind === "mem64" ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
    (bar.prefetch ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
  cfg.set32(off, typeBits);
  if (kind === "mem32") {
    if (size > 2 ** 31) throw new RangeError(`32-bit BAR${bar.index} cannot be ${size} bytes`);
    cfg.mask(off, 4, (~(size - 1) & PCI_BASE_ADDRESS_MEM_MASK) >>> 0);
    return;
  }
  if (bar.index > 4) throw new RangeError("a 64-bit BAR cannot start at BAR5");
  if (size < TWO32) {
    cfg.mask(off, 4, (~(size - 1) & PCI_BASE_ADDRESS_MEM_MASK) >>> 0);
    cfg.mask(off + 4, 4, 0xffffffff);
  } else {
    cfg.mask(off, 4, 0);
    cfg.mask(off + 4, 4, ~(size / TWO32 - 1) >>> 0);
  }
}

/** Reads the address a BAR holds (both halves for a 64-bit BAR). */
export function barAddress(cfg: ConfigSpace, index: number, base = PCI_BASE_ADDRESS_0): number {
  const off = base + 4 * index;
  const lo = cfg.get32(off);
  if (lo & PCI_BASE_ADDRESS_SPACE_IO) return (lo & PCI_BASE_ADDRESS_IO_MASK) >>> 0;
  const addr = (lo & PCI_BASE_ADDRESS_MEM_MASK) >>> 0;
  if ((lo & 0x6) === PCI_BASE_ADDRESS_MEM_TYPE_64) return addr + cfg.get32(off + 4) * TWO32;
  return addr;
}

/** Firmware programming a BAR's address (model-side, masks not applied). */
export function setBarAddress(
  cfg: ConfigSpace,
  index: number,
  addr: number,
  base = PCI_BASE_ADDRESS_0,
): void {
  const off = base + 4 * index;
  const lo = cfg.get32(off);
  if (lo & PCI_BASE_ADDRESS_SPACE_IO) {
    cfg.set32(off, (addr & PCI_BASE_ADDRESS_IO_MASK) | PCI_BASE_ADDRESS_SPACE_IO);
    return;
  }
  cfg.set32(off, (((addr % TWO32) & PCI_BASE_ADDRESS_MEM_MASK) | (lo & 0xf)) >>> 0);
  if ((lo & 0x6) === PCI_BASE_ADDRESS_MEM_TYPE_64) cfg.set32(off + 4, Math.floor(addr / TWO32));
}

/**
 * Sizes a BAR the way firmware does (PCI 3.0 §6.2.5.1): save, write all ones, read back,
 * restore; size = ~(readback & address mask) + 1. Returns 0 for an unimplemented BAR.
 */
export function sizeBar(cfg: ConfigSpace, index: number, base = PCI_BASE_ADDRESS_0): number {
  const off = base + 4 * index;
  const saved = cfg.read(off, 4);
  cfg.write(off, 4, 0xffffffff);
  const lo = cfg.read(off, 4);
  cfg.write(off, 4, saved);
  if (lo === 0) return 0;
  if (lo & PCI_BASE_ADDRESS_SPACE_IO) return ((~(lo & PCI_BASE_ADDRESS_IO_MASK) & 0xffff) >>> 0) + 1;
  if ((lo & 0x6) !== PCI_BASE_ADDRESS_MEM_TYPE_64) return (~(lo & PCI_BASE_ADDRESS_MEM_MASK) >>> 0) + 1;
  const savedHi = cfg.read(off + 4, 4);
  cfg.write(off + 4, 4, 0xffffffff);
  const hi = cfg.read(off + 4, 4);
  cfg.write(off + 4, 4, savedHi);
  if (hi === 0xffffffff) return (~(lo & PCI_BASE_ADDRESS_MEM_MASK) >>> 0) + 1;
  return ((~hi >>> 0) + 1) * TWO32;
}

/**
 * Declares a type 1 header's bus numbers and windows writable (PCI-to-PCI Bridge spec 1.2
 * §3.2.5): I/O window 32-bit capable, memory window, 64-bit prefetchable window.
 */
export function defineBridgeRegisters(cfg: ConfigSpace): void {
  cfg.mask(PCI_PRIMARY_BUS, 1, 0xff);
  cfg.mask(PCI_SECONDARY_BUS, 1, 0xff);
  cfg.mask(PCI_SUBORDINATE_BUS, 1, 0xff);
  cfg.mask(PCI_SEC_LATENCY_TIMER, 1, 0); // PCIe: RO 0 (§7.5.1.3.4)
  cfg.set8(PCI_IO_BASE, PCI_IO_RANGE_TYPE_32);
  cfg.set8(PCI_IO_LIMIT, PCI_IO_RANGE_TYPE_32);
  cfg.mask(PCI_IO_BASE, 1, 0xf0);
  cfg.mask(PCI_IO_LIMIT, 1, 0xf0);
  cfg.mask(PCI_IO_BASE_UPPER16, 2, 0xffff);
  cfg.mask(PCI_IO_LIMIT_UPPER16, 2, 0xffff);
  cfg.mask(PCI_MEMORY_BASE, 2, 0xfff0);
  cfg.mask(PCI_MEMORY_LIMIT, 2, 0xfff0);
  cfg.set16(PCI_PREF_MEMORY_BASE, PCI_PREF_RANGE_TYPE_64);
  cfg.set16(PCI_PREF_MEMORY_LIMIT, PCI_PREF_RANGE_TYPE_64);
  cfg.mask(PCI_PREF_MEMORY_BASE, 2, 0xfff0);
  cfg.mask(PCI_PREF_MEMORY_LIMIT, 2, 0xfff0);
  cfg.mask(PCI_PREF_BASE_UPPER32, 4, 0xffffffff);
  cfg.mask(PCI_PREF_LIMIT_UPPER32, 4, 0xffffffff);
}

/** A window [base, limit] a bridge forwards; limit < base means closed. */
export interface Window {
  base: number;
  limit: number;
}

/** Programs a bridge's windows as firmware does; a closed window is base > limit. */
export function setBridgeWindows(
  cfg: ConfigSpace,
  io: Window | null,
  mem: Window | null,
  pref: Window | null,
) {
  const w = io ?? { base: 0xf000, limit: 0x0fff };
  cfg.set8(PCI_IO_BASE, ((w.base >> 8) & 0xf0) | PCI_IO_RANGE_TYPE_32);
  cfg.set8(PCI_IO_LIMIT, ((w.limit >> 8) & 0xf0) | PCI_IO_RANGE_TYPE_32);
  cfg.set16(PCI_IO_BASE_UPPER16, io ? (w.base >>> 16) & 0xffff : 0);
  cfg.set16(PCI_IO_LIMIT_UPPER16, io ? (w.limit >>> 16) & 0xffff : 0);
  const m = mem ?? { base: 0xfff00000, limit: 0x000fffff };
  cfg.set16(PCI_MEMORY_BASE, (m.base >>> 16) & 0xfff0);
  cfg.set16(PCI_MEMORY_LIMIT, (m.limit >>> 16) & 0xfff0);
  const p = pref ?? { base: 0xfff00000, limit: 0x000fffff };
  cfg.set16(PCI_PREF_MEMORY_BASE, (((p.base % TWO32) >>> 16) & 0xfff0) | PCI_PREF_RANGE_TYPE_64);
  cfg.set16(PCI_PREF_MEMORY_LIMIT, (((p.limit % TWO32) >>> 16) & 0xfff0) | PCI_PREF_RANGE_TYPE_64);
  cfg.set32(PCI_PREF_BASE_UPPER32, pref ? Math.floor(p.base / TWO32) : 0);
  cfg.set32(PCI_PREF_LIMIT_UPPER32, pref ? Math.floor(p.limit / TWO32) : 0);
}
