import { describe, expect, it } from "vitest";
import { bdf } from "../pci/bdf.js";
import { makeVgaRom, VGA_ROM_ADDR } from "../pci/dev-igd.js";
import { PciMachine } from "../pci/pci-machine.js";
import {
  checkIgdPassthrough,
  IGD_REQUIREMENTS,
  type IgdSetupOptions,
  igdDriverLoads,
  setupIgdPassthrough,
} from "./igd-passthrough.js";
import { DOM0, Passthrough } from "./pci-passthrough.js";
import { VTD_FAULT } from "./vtd-regs.js";

const GIB = 2 ** 30;

describe("device assignment", () => {
  it("dom0 owns a new function and DMAs 1:1; assignment switches the context entry to the guest's table", () => {
    const pt = new Passthrough(4 * GIB);
    pt.addDevice(0x0180);
    expect(pt.dma(0x0180, 0x1234_5000, true)).toEqual({ ok: true, hpa: 0x1234_5000, domainId: DOM0 });
    const g = pt.addDomain(3, "guest", 64 * 2 ** 20);
    pt.assign(0x0180, 3);
    expect(pt.owner.get(0x0180)).toBe(3);
    expect(pt.dma(0x0180, 0x2000, true)).toEqual({ ok: true, hpa: g.machineBase + 0x2000, domainId: 3 });
    expect(pt.dma(0x0180, 64 * 2 ** 20, true)).toEqual({ ok: false, reason: VTD_FAULT.writeDenied }); // past guest memory
    pt.deassign(0x0180);
    expect(pt.dma(0x0180, 0x2000, false)).toMatchObject({ ok: true, hpa: 0x2000, domainId: DOM0 });
    expect(pt.history).toEqual([
      { rid: 0x0180, from: 0, to: 3 },
      { rid: 0x0180, from: 3, to: 0 },
    ]);
  });

  it("refuses to assign an unknown function or one a guest already owns", () => {
    const pt = new Passthrough(GIB);
    pt.addDomain(1, "a", 2 ** 20);
    pt.addDomain(2, "b", 2 ** 20);
    expect(() => pt.assign(0x0300, 1)).toThrow(/not known/);
    pt.addDevice(0x0300);
    pt.assign(0x0300, 1);
    expect(() => pt.assign(0x0300, 2)).toThrow(/owned by domain 1/);
  });

  it("a removed function's DMA faults with context not present", () => {
    const pt = new Passthrough(GIB);
    pt.addDevice(0x0180);
    pt.removeDevice(0x0180);
    expect(pt.dma(0x0180, 0, true)).toEqual({ ok: false, reason: VTD_FAULT.contextNotPresent });
  });

  it("MSI remapping: the device's remappable MSI lands on the IRTE's vector, and only for its requester id", () => {
    const pt = new Passthrough(GIB);
    const msi = pt.remapMsi(0x0180, 0x61, 5);
    expect(pt.unit.remapInterrupt(0x0180, msi.address, msi.data)).toEqual({
      ok: true,
      vector: 0x61,
      dest: 5,
      deliveryMode: 0,
    });
    expect(pt.unit.remapInterrupt(0x0181, msi.address, msi.data)).toMatchObject({
      ok: false,
      reason: VTD_FAULT.irSourceIdInvalid,
    });
  });
});

describe("IGD passthrough checklist (seed-talks T3)", () => {
  function laptop(o: IgdSetupOptions = {}) {
    const host = PciMachine.build({
      host: "gm45",
      ecamBase: 0xe0000000,
      devices: [
        { model: "igd", device: 2, name: "igd" },
        { model: "lpc", device: 31, name: "lpc" },
      ],
    });
    const pt = new Passthrough(4 * GIB);
    for (const f of host.topo.all()) pt.addDevice(f.bdf);
    pt.mem.writeBytes(VGA_ROM_ADDR, makeVgaRom());
    pt.addDomain(1, "hvm", 256 * 2 ** 20);
    const view = setupIgdPassthrough(host, pt, 1, o);
    return { host, pt, view, checks: checkIgdPassthrough(view, host, pt) };
  }

  it("a complete setup passes all six requirements and the driver loads", () => {
    const { checks, view, pt, host } = laptop();
    expect(checks.map((c) => [c.requirement, c.pass])).toEqual(IGD_REQUIREMENTS.map((r) => [r, true]));
    expect(igdDriverLoads(checks)).toBe(true);
    expect(view.steps.length).toBeGreaterThanOrEqual(6);
    expect(pt.owner.get(host.topo.route(bdf(0, 2, 0))!.bdf)).toBe(1);
  });

  const broken: [IgdSetupOptions, (typeof IGD_REQUIREMENTS)[number], RegExp][] = [
    [{ copyVgaBios: false }, "vga-bios", /no 0x55aa option ROM signature/],
    [{ mapLegacyVga: false }, "legacy-vga", /not passed through/],
    [{ mapOpRegion: false }, "opregion", /ASLS \(0xfc\) is 0/],
    [{ passHostBridge: false }, "host-bridge", /registers differ from the host: 0x52, 0xa0/],
    [{ exposeLpc: false }, "lpc-bridge", /no ISA\/LPC bridge/],
    [{ guestDevfn: 0x18 }, "igd-at-00:02.0", /not at guest 00:02.0/],
  ];
  for (const [opts, req, why] of broken) {
    it(`leaving out ${Object.keys(opts)[0]} fails ${req} and only that, and the driver does not load`, () => {
      const { checks } = laptop(opts);
      const failed = checks.filter((c) => !c.pass);
      expect(failed.map((c) => c.requirement)).toEqual([req]);
      expect(failed[0].detail).toMatch(why);
      expect(igdDriverLoads(checks)).toBe(false);
    });
  }
});
