import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PCI_EXP_DEVCTL2 } from "./cap-pcie.js";
import { buildMcfg, parseMcfg } from "./mcfg.js";
import { conf1Address, PciConf1 } from "./pci-conf1.js";
import { PciMachine } from "./pci-machine.js";

const SPEC = {
  host: "ioh5520" as const,
  ecamBase: 0xe0000000,
  devices: [
    {
      model: "root-port" as const,
      device: 1,
      name: "rp1",
      child: { model: "igb-82576" as const, name: "nic0", vfs: 2 },
    },
    {
      model: "root-port" as const,
      device: 3,
      name: "rp3",
      child: {
        model: "switch" as const,
        name: "sw0",
        ports: [{ name: "dp0", child: { model: "nvme" as const, name: "ssd0" } }, { name: "dp1" }],
      },
    },
  ],
};

describe("firmware bus numbering", () => {
  it("numbers buses depth first and sets each bridge's primary, secondary and subordinate", () => {
    const m = PciMachine.build(SPEC);
    const bus = (n: string) => [0x18, 0x19, 0x1a].map((o) => m.find(n)!.configRead(o, 1));
    expect(bus("rp1")).toEqual([0, 1, 1]);
    expect(bus("rp3")).toEqual([0, 2, 5]);
    expect(bus("sw0")).toEqual([2, 3, 5]);
    expect(bus("dp0")).toEqual([3, 4, 4]);
    expect(bus("dp1")).toEqual([3, 5, 5]);
    expect(m.firmware.lastBus).toBe(5);
  });
});

describe("ECAM (MMCONFIG)", () => {
  it("decodes base + (bus << 20 | dev << 15 | fn << 12 | reg)", () => {
    const m = PciMachine.build(SPEC);
    expect(m.ecam.decode(0xe0000000 + (4 << 20) + (0 << 15) + (0 << 12) + 0x100)).toEqual({
      bus: 4,
      devfn: 0,
      reg: 0x100,
    });
    expect(m.ecam.decode(0xe0000000 + (1 << 20) + (0x10 << 15) + (2 << 12) + 8)).toEqual({
      bus: 1,
      devfn: 0x82,
      reg: 8,
    });
    expect(m.ecam.decode(0xd0000000)).toBeNull();
  });

  it("reads hit the right function, including its extended space, and absent ones read all ones", () => {
    const m = PciMachine.build(SPEC);
    expect(m.ecam.read(m.ecam.address(4, 0, 0), 4)).toBe(0x09538086); // the NVMe behind the switch
    expect(m.ecam.read(m.ecam.address(4, 0, 0x100), 2)).toBe(0x0001); // its AER header
    expect(m.ecam.read(m.ecam.address(1, 0, 0x160), 2)).toBe(0x0010); // 82576 SR-IOV
    expect(m.ecam.read(m.ecam.address(9, 0, 0), 4)).toBe(0xffffffff);
    expect(m.ecam.read(m.ecam.address(4, 8, 0), 2)).toBe(0xffff); // device 1 below a port: nobody
    expect(m.ecam.aborts).toBe(2);
  });

  it("writes reach the function and honour its masks", () => {
    const m = PciMachine.build(SPEC);
    const dp0 = m.find("dp0")!;
    m.ecam.write(m.ecam.address(3, 0, dp0.pcieCap + PCI_EXP_DEVCTL2), 2, 0xffff);
    expect(dp0.configRead(dp0.pcieCap + PCI_EXP_DEVCTL2, 2)).toBe(0x20);
  });
});

describe("0xCF8/0xCFC", () => {
  it("selects bus/device/function/register through 0xCF8 and uses byte lanes of 0xCFC", () => {
    const m = PciMachine.build(SPEC);
    const io = new PciConf1(m.topo);
    io.ioWrite(0xcf8, 4, conf1Address(1, 0, 0));
    expect(io.ioRead(0xcf8, 4)).toBe(0x80010000);
    expect(io.ioRead(0xcfc, 4)).toBe(0x10c98086);
    expect(io.ioRead(0xcfe, 2)).toBe(0x10c9);
    expect(io.ioRead(0xcfd, 1)).toBe(0x80);
  });

  it("reads all ones with the enable bit clear or for an absent function", () => {
    const m = PciMachine.build(SPEC);
    const io = new PciConf1(m.topo);
    io.ioWrite(0xcf8, 4, 0x00010000);
    expect(io.ioRead(0xcfc, 4)).toBe(0xffffffff);
    io.ioWrite(0xcf8, 4, conf1Address(7, 0, 0));
    expect(io.ioRead(0xcfc, 4)).toBe(0xffffffff);
  });
});

describe("ACPI MCFG", () => {
  it("builds a table whose bytes sum to 0 and parses back", () => {
    const t = buildMcfg([{ base: 0xe0000000, segment: 0, startBus: 0, endBus: 255 }]);
    expect(t.length).toBe(60);
    expect(t.reduce((a, b) => (a + b) & 0xff, 0)).toBe(0);
    expect(parseMcfg(t)).toEqual([{ base: 0xe0000000, segment: 0, startBus: 0, endBus: 255 }]);
    const bad = t.slice();
    bad[44] ^= 1;
    expect(() => parseMcfg(bad)).toThrow(/checksum/);
  });

  it("is read correctly by ACPICA's iasl disassembler", () => {
    if (spawnSync("sh", ["-c", "command -v iasl"]).status !== 0)
      throw new Error("iasl missing: run npm test (scripts/test-setup.mjs installs acpica-tools)");
    const dir = mkdtempSync(join(tmpdir(), "mcfg-"));
    writeFileSync(join(dir, "mcfg.dat"), PciMachine.build(SPEC).mcfg());
    execFileSync("iasl", ["-d", "mcfg.dat"], { cwd: dir, stdio: "ignore" });
    const dsl = readFileSync(join(dir, "mcfg.dsl"), "utf8");
    expect(dsl).toMatch(/Signature : "MCFG"/);
    expect(dsl).toMatch(/Base Address : 00000000E0000000/);
    expect(dsl).toMatch(/End Bus Number : FF/);
    expect(dsl).not.toMatch(/Incorrect checksum/i);
  });

  it("parses this machine's own MCFG table when the firmware exposes one", () => {
    const f = "/sys/firmware/acpi/tables/MCFG";
    if (!existsSync(f)) return; // not every machine has ECAM
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(f);
    } catch {
      return; // readable only by root
    }
    const allocs = parseMcfg(bytes);
    expect(allocs.length).toBeGreaterThan(0);
    expect(allocs[0].base % 2 ** 20).toBe(0);
  });
});
