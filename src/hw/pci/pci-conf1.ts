/**
 * The legacy configuration mechanism #1 (PCI Local Bus spec 3.0 §3.2.2.3.2; Linux
 * arch/x86/pci/direct.c "conf1"): software writes an address to I/O port 0xCF8 (bit 31
 * enable, bus 23..16, device 15..11, function 10..8, register 7..2) and then accesses
 * 0xCFC..0xCFF, whose low two address bits select the byte lanes. Only the first 256
 * bytes of a function are reachable this way (the AMD extension of register bits 11..8 in
 * 0xCF8 bits 27..24 is not modelled). With the enable bit clear, 0xCFC is not decoded
 * as configuration: reads return all ones.
 */
import { bdfFromDevfn } from "./bdf.js";
import type { AccessLen } from "./config-space.js";
import type { PciTopology } from "./pci-topology.js";

export const CONF1_ADDRESS_PORT = 0xcf8;
export const CONF1_DATA_PORT = 0xcfc;
export const CONF1_ENABLE = 0x80000000;

/** The 0xCF8 value selecting (bus, devfn, reg); reg's low 2 bits are dropped. */
export function conf1Address(bus: number, devfn: number, reg: number): number {
  return (CONF1_ENABLE | (bus << 16) | (devfn << 8) | (reg & 0xfc)) >>> 0;
}

export class PciConf1 {
  private address = 0;
  aborts = 0;

  constructor(private readonly topo: PciTopology) {}

  /** An I/O read of `len` bytes at `port`. */
  ioRead(port: number, len: AccessLen): number {
    if (port === CONF1_ADDRESS_PORT && len === 4) return this.address;
    const lane = port - CONF1_DATA_PORT;
    if (lane < 0 || lane > 3 || lane % len !== 0) return ones(len);
    const fn = this.target();
    if (fn === null) {
      this.aborts++;
      return ones(len);
    }
    return fn.configRead((this.address & 0xfc) + lane, len);
  }

  /** An I/O write of `len` bytes at `port`. */
  ioWrite(port: number, len: AccessLen, val: number): void {
    if (port === CONF1_ADDRESS_PORT && len === 4) {
      this.address = val >>> 0;
      return;
    }
    const lane = port - CONF1_DATA_PORT;
    if (lane < 0 || lane > 3 || lane % len !== 0) return;
    const fn = this.target();
    if (fn === null) {
      this.aborts++;
      return;
    }
    fn.configWrite((this.address & 0xfc) + lane, len, val);
  }

  private target() {
    if ((this.address & CONF1_ENABLE) === 0) return null;
    return this.topo.route(bdfFromDevfn((this.address >>> 16) & 0xff, (this.address >>> 8) & 0xff));
  }
}

function ones(len: number): number {
  return len === 4 ? 0xffffffff : (1 << (8 * len)) - 1;
}
