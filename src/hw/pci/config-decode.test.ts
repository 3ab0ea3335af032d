import { describe, expect, it } from "vitest";
import { decodeConfig } from "./config-decode.js";
import { formatLspciDump, type PciDecodeError, parseLspciDump } from "./lspci-dump.js";
import { PciMachine } from "./pci-machine.js";

const machine = () =>
  PciMachine.build({
    host: "ioh5520",
    ecamBase: 0xe0000000,
    devices: [
      {
        model: "root-port",
        device: 1,
        name: "rp1",
        slot: 2,
        hotplug: true,
        child: { model: "igb-82576", name: "nic0", vfs: 1 },
      },
    ],
  });

function header(): Uint8Array {
  const b = new Uint8Array(256);
  b.set([0x86, 0x80, 0x34, 0x12, 0x06, 0x04, 0x10, 0x00, 0x01, 0x00, 0x00, 0x02]);
  return b;
}

describe("decodeConfig", () => {
  it("decodes the model's own config spaces back into what the model built", () => {
    const m = machine();
    const pf = decodeConfig(m.find("nic0")!.cfg.data);
    expect(pf.vendor).toBe(0x8086);
    expect(pf.device).toBe(0x10c9);
    expect(pf.capabilities.map((c) => c.offset)).toEqual([0x40, 0x50, 0x70, 0xa0]);
    expect(pf.extCapabilities.map((c) => [c.offset, c.id])).toEqual([
      [0x100, 1],
      [0x140, 3],
      [0x150, 0xe],
      [0x160, 0x10],
    ]);
    expect(pf.extCapabilities[3].fields).toMatchObject({
      vfEnable: true,
      numVfs: 1,
      vfOffset: 128,
      vfStride: 2,
      vfDeviceId: 0x10ca,
    });
    const rp = decodeConfig(m.find("rp1")!.cfg.data);
    expect(rp.bus).toEqual({ primary: 0, secondary: 1, subordinate: 1 });
    expect(rp.capabilities.find((c) => c.id === 0x10)?.fields).toMatchObject({
      type: 4,
      slot: true,
      ariForwarding: true,
    });
  });

  it("decodes a 64-byte (unprivileged sysfs) image and notes the capabilities it cannot see", () => {
    const d = decodeConfig(machine().find("nic0")!.cfg.data.slice(0, 64));
    expect(d.capabilities).toEqual([]);
    expect(d.notes.join(" ")).toMatch(/beyond the 64 bytes available/);
  });

  it("decodes a 256-byte image of a PCIe function and notes the missing extended space", () => {
    const d = decodeConfig(machine().find("nic0")!.cfg.data.slice(0, 256));
    expect(d.capabilities).toHaveLength(4);
    expect(d.notes.join(" ")).toMatch(/extended configuration space/);
  });

  it("refuses images shorter than the header", () => {
    expect(() => decodeConfig(new Uint8Array(10))).toThrow(/at least the 64-byte header/);
  });

  it("refuses a capability pointer into the header", () => {
    const b = header();
    b[0x34] = 0x20;
    expect(() => decodeConfig(b)).toThrow(/points into the standard header/);
  });

  it("refuses a capability chain that loops, without hanging", () => {
    const b = header();
    b[0x34] = 0x40;
    b.set([0x05, 0x50], 0x40);
    b.set([0x01, 0x40], 0x50);
    expect(() => decodeConfig(b)).toThrow(/loops back to 0x40/);
  });

  it("refuses an extended capability pointing back into the standard space, and an extended loop", () => {
    const b = new Uint8Array(4096);
    b.set(header());
    b[0x34] = 0x40;
    b.set([0x10, 0x00, 0x02, 0x00], 0x40); // PCIe capability, endpoint
    const put32 = (o: number, v: number) => new DataView(b.buffer).setUint32(o, v, true);
    put32(0x100, 0x0801_0001); // AER, next 0x080
    expect(() => decodeConfig(b)).toThrow(/inside the standard space/);
    put32(0x100, 0x1001_0001); // next 0x100: itself
    expect(() => decodeConfig(b)).toThrow(/loops back to 0x100/);
  });

  it("treats an all-ones extended header (no access) as no extended capabilities", () => {
    const b = new Uint8Array(4096).fill(0xff, 0x100);
    b.set(header());
    b[0x34] = 0x40;
    b.set([0x10, 0x00, 0x02, 0x00], 0x40);
    expect(decodeConfig(b).extCapabilities).toEqual([]);
  });
});

describe("lspci dump parsing", () => {
  it("round-trips the dump writer", () => {
    const m = machine();
    const text = formatLspciDump(
      m.topo.all().map((f) => ({ bdf: f.bdf, description: f.description, bytes: f.cfg.data })),
    );
    const parsed = parseLspciDump(text);
    expect(parsed.map((p) => p.slot)).toEqual(m.topo.all().map((f) => f.name.slice(0, 7)));
    expect(parsed[1].bytes).toEqual(m.topo.all()[1].cfg.data);
  });

  it("skips verbose lines of lspci -vvvxxx output", () => {
    const t =
      "00:00.0 Host bridge: x\n\tControl: I/O-\n00: 86 80 57 0d 00 00 00 00 00 00 00 06 00 00 00 00\n10: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n20: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n30: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n";
    expect(parseLspciDump(t)[0].bytes).toHaveLength(64);
  });

  it("names the line of a malformed hex line, a gap in offsets and an offset past 4096", () => {
    const bad = (t: string) => {
      try {
        parseLspciDump(t);
      } catch (e) {
        return [(e as PciDecodeError).line, (e as Error).message];
      }
      return null;
    };
    expect(bad("00:00.0 x\n00: zz\n")).toEqual([2, 'not an lspci dump line: "00: zz"']);
    expect(bad("00:00.0 x\n10: 00\n")?.[1]).toMatch(/expected offset 00, found 10/);
    expect(bad("00:00.0 x\n1000: 00\n")?.[1]).toMatch(/past 4096/);
    expect(bad("00: 00\n")?.[1]).toMatch(/before any device line/);
  });
});
