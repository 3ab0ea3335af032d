import { describe, expect, it } from "vitest";
import {
  PCI_EXP_DEVCTL,
  PCI_EXP_DEVSTA,
  PCI_EXP_FLAGS,
  PCI_EXP_LNKCTL,
  PCI_EXP_LNKCTL_RL,
  PCI_EXP_SLTCAP,
  PCI_EXP_SLTCTL,
  PCI_EXP_SLTSTA,
  PCI_EXP_SLTSTA_PDS,
} from "./cap-pcie.js";
import { makeRootPort } from "./dev-root-port.js";
import { PCI_ACS_CAP, PCI_ACS_CTRL } from "./ext-cap-acs.js";
import { PCI_ERR_ROOT_COMMAND, PCI_ERR_ROOT_STATUS, PCI_ERR_UNCOR_STATUS } from "./ext-cap-aer.js";
import {
  PCI_BRIDGE_CONTROL,
  PCI_COMMAND,
  PCI_EXT_CAP_ID_ACS,
  PCI_IO_BASE,
  PCI_MEMORY_BASE,
  PCI_PREF_MEMORY_BASE,
  PCI_SEC_LATENCY_TIMER,
  PCI_SEC_STATUS,
  PCI_SECONDARY_BUS,
} from "./pci-regs.js";

const port = () => makeRootPort({ portNumber: 1, slot: 1, hotplug: true });

describe("ioh3420-like root port registers", () => {
  it("resets to its ids, a type 1 header and a v2 root-port PCIe capability with a slot", () => {
    const p = port();
    expect(p.configRead(0, 4)).toBe(0x34208086);
    expect(p.configRead(0x0e, 1)).toBe(1);
    expect(p.pcieCap).toBe(0x90);
    expect(p.configRead(p.pcieCap + PCI_EXP_FLAGS, 2)).toBe(0x0142); // v2, root port (4), slot
    expect(p.configRead(p.pcieCap + PCI_EXP_SLTCAP, 4) >>> 19).toBe(1);
  });

  it("Command keeps only the PCIe read-write bits", () => {
    const p = port();
    p.configWrite(PCI_COMMAND, 2, 0xffff);
    expect(p.configRead(PCI_COMMAND, 2)).toBe(0x0547);
  });

  it("bus numbers and windows are writable; secondary latency is RO 0", () => {
    const p = port();
    p.configWrite(PCI_SECONDARY_BUS - 1, 4, 0xff030201);
    expect(p.configRead(PCI_SECONDARY_BUS, 1)).toBe(2);
    expect(p.configRead(PCI_SEC_LATENCY_TIMER, 1)).toBe(0);
    p.configWrite(PCI_IO_BASE, 1, 0xff);
    expect(p.configRead(PCI_IO_BASE, 1)).toBe(0xf1); // bits 3..0 say 32-bit I/O, RO
    p.configWrite(PCI_MEMORY_BASE, 4, 0xffffffff);
    expect(p.configRead(PCI_MEMORY_BASE, 4)).toBe(0xfff0fff0);
    p.configWrite(PCI_PREF_MEMORY_BASE, 2, 0);
    expect(p.configRead(PCI_PREF_MEMORY_BASE, 2)).toBe(1); // 64-bit prefetchable, RO
  });

  it("Bridge Control takes SERR and secondary bus reset; secondary status errors are W1C", () => {
    const p = port();
    p.configWrite(PCI_BRIDGE_CONTROL, 2, 0xffff);
    expect(p.configRead(PCI_BRIDGE_CONTROL, 2)).toBe(0x004f);
    p.cfg.setBits(PCI_SEC_STATUS, 2, 0x4000);
    p.configWrite(PCI_SEC_STATUS, 2, 0x4000);
    expect(p.configRead(PCI_SEC_STATUS, 2)).toBe(0);
  });

  it("DevCtl bit 15 and the link retrain bit read back 0; DevSta error bits are W1C", () => {
    const p = port();
    const at = p.pcieCap;
    p.configWrite(at + PCI_EXP_DEVCTL, 2, 0xffff);
    expect(p.configRead(at + PCI_EXP_DEVCTL, 2) & 0x8000).toBe(0);
    p.configWrite(at + PCI_EXP_LNKCTL, 2, PCI_EXP_LNKCTL_RL);
    expect(p.configRead(at + PCI_EXP_LNKCTL, 2) & PCI_EXP_LNKCTL_RL).toBe(0);
    p.cfg.setBits(at + PCI_EXP_DEVSTA, 2, 0x000f);
    p.configWrite(at + PCI_EXP_DEVSTA, 2, 0x0005);
    expect(p.configRead(at + PCI_EXP_DEVSTA, 2)).toBe(0x000a);
  });

  it("Slot Control is writable (13 bits); Slot Status change bits are W1C, state bits RO", () => {
    const p = port();
    const at = p.pcieCap;
    p.configWrite(at + PCI_EXP_SLTCTL, 2, 0xffff);
    expect(p.configRead(at + PCI_EXP_SLTCTL, 2)).toBe(0x1fff);
    p.cfg.setBits(at + PCI_EXP_SLTSTA, 2, 0x015f);
    p.configWrite(at + PCI_EXP_SLTSTA, 2, 0xffff);
    expect(p.configRead(at + PCI_EXP_SLTSTA, 2)).toBe(PCI_EXP_SLTSTA_PDS);
  });

  it("AER root command is RW (3 bits), root status W1C, uncorrectable status W1C", () => {
    const p = port();
    const a = p.aerCap;
    p.configWrite(a + PCI_ERR_ROOT_COMMAND, 4, 0xffffffff);
    expect(p.configRead(a + PCI_ERR_ROOT_COMMAND, 4)).toBe(7);
    p.cfg.set32(a + PCI_ERR_ROOT_STATUS, 0x5c);
    p.configWrite(a + PCI_ERR_ROOT_STATUS, 4, 0x0c);
    expect(p.configRead(a + PCI_ERR_ROOT_STATUS, 4)).toBe(0x50);
    p.configWrite(a + PCI_ERR_UNCOR_STATUS, 4, 0); // nothing set, nothing changes
    expect(p.configRead(a + PCI_ERR_UNCOR_STATUS, 4)).toBe(0);
  });

  it("ACS control bits are writable only where the capability has them", () => {
    const p = port();
    const a = p.cfg.findExtCap(PCI_EXT_CAP_ID_ACS);
    const cap = p.configRead(a + PCI_ACS_CAP, 2);
    p.configWrite(a + PCI_ACS_CTRL, 2, 0xffff);
    expect(p.configRead(a + PCI_ACS_CTRL, 2)).toBe(cap);
    expect(cap).toBe(0x1d);
  });
});
