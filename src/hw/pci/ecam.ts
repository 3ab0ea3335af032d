/**
 * ECAM, the PCI Express Enhanced Configuration Access Mechanism ("MMCONFIG"; PCIe Base
 * spec 2.0 §7.2.2; QEMU include/hw/pci/pcie_host.h): a memory window in which address
 * `base + (bus << 20 | dev << 15 | fn << 12 | reg)` is register `reg` (0..0xfff) of that
 * function: 1 MiB per bus, 256 MiB for 256 buses. Reads of absent functions return all
 * ones (a master abort completes with all ones, §2.3.2); writes to them are dropped.
 */
import { bdfFromDevfn } from "./bdf.js";
import type { AccessLen } from "./config-space.js";
import type { PciTopology } from "./pci-topology.js";

export const ECAM_BUS_SHIFT = 20;
export const ECAM_DEVFN_SHIFT = 12;
export const ECAM_REG_MASK = 0xfff;

export interface EcamAddress {
  bus: number;
  devfn: number;
  reg: number;
}

export class Ecam {
  /** Accesses that hit no function (master aborts). */
  aborts = 0;

  constructor(
    private readonly topo: PciTopology,
    /** Window base (physical address, 256 MiB aligned for 256 buses). */
    readonly base: number,
    readonly startBus = 0,
    readonly endBus = 255,
  ) {
    if (base % (1 << ECAM_BUS_SHIFT) !== 0 || startBus > endBus || endBus > 255)
      throw new RangeError(`bad ECAM window 0x${base.toString(16)} buses ${startBus}-${endBus}`);
  }

  get size(): number {
    return (this.endBus - this.startBus + 1) * (1 << ECAM_BUS_SHIFT);
  }

  /** Splits an address in the window into bus, devfn and register; null outside. */
  decode(addr: number): EcamAddress | null {
    const off = addr - this.base;
    if (off < 0 || off >= this.size) return null;
    return {
      bus: this.startBus + Math.floor(off / (1 << ECAM_BUS_SHIFT)),
      devfn: (off >>> ECAM_DEVFN_SHIFT) & 0xff,
      reg: off & ECAM_REG_MASK,
    };
  }

  /** The address of a register (the inverse of decode). */
  address(bus: number, devfn: number, reg: number): number {
    return this.base + (bus - this.startBus) * (1 << ECAM_BUS_SHIFT) + (devfn << ECAM_DEVFN_SHIFT) + reg;
  }

  read(addr: number, len: AccessLen): number {
    const a = this.decode(addr);
    const fn = a === null ? null : this.topo.route(bdfFromDevfn(a.bus, a.devfn));
    if (a === null || fn === null) {
      this.aborts++;
      return len === 4 ? 0xffffffff : (1 << (8 * len)) - 1;
    }
    return fn.configRead(a.reg, len);
  }

  write(addr: number, len: AccessLen, val: number): void {
    const a = this.decode(addr);
    const fn = a === null ? null : this.topo.route(bdfFromDevfn(a.bus, a.devfn));
    if (a === null || fn === null) {
      this.aborts++;
      return;
    }
    fn.configWrite(a.reg, len, val);
  }
}
