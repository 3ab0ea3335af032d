import { describe, expect, it } from "vitest";
import { Kernel } from "../../kernel/kernel.js";
import type { PciMachineSpec } from "../pci/pci-machine-spec.js";
import type { AerPolicy } from "./aer-policy.js";
import { DEFAULT_HOST_TIMING, PassthroughHost } from "./passthrough-host.js";

const SPEC: PciMachineSpec = {
  host: "ioh5520",
  ecamBase: 0xe0000000,
  devices: [
    { model: "root-port", device: 1, name: "rp1", child: { model: "igb-82576", name: "nic0" } },
    { model: "root-port", device: 5, name: "rp5", slot: 5, hotplug: true },
  ],
};
const S = 1e9;

function rig(policy: Partial<AerPolicy> = {}) {
  const k = new Kernel(1);
  const log: [number, string, string, string][] = [];
  const h = new PassthroughHost(
    SPEC,
    [{ name: "g1", domid: 1, memory: 64 * 2 ** 20 }],
    { correctable: "report-to-dom0", nonfatal: "report-to-dom0", fatal: "take-device", ...policy },
    DEFAULT_HOST_TIMING,
    {
      now: () => k.now,
      after: (d, fn) => {
        k.at(d, () => fn());
      },
      trace: (s, e, d) => log.push([k.now / S, s, e, d]),
    },
  );
  const at = (t: number, fn: () => void) => k.atTime(t * S, () => fn());
  return {
    k,
    h,
    log,
    at,
    events: (src: string) => log.filter((l) => l[1] === src).map((l) => `${l[0]} ${l[2]}`),
  };
}

describe("a VF hot-plugged into a running guest", () => {
  it("is assigned in VT-d, hot-added through the guest's slot, and DMAs into guest memory once the driver binds", () => {
    const r = rig();
    r.at(1, () => r.h.enableVfs("nic0", 2));
    r.at(2, () => r.h.attach("nic0.vf1", "g1"));
    r.k.run(8 * S);
    expect(r.h.guestHasDevice("g1")).toBe(true);
    const bound = r.log.find((l) => l[3].startsWith("driver bound"));
    expect(bound?.[0]).toBeCloseTo(7.1, 9); // 2 s + 5 s button wait + 100 ms to enumerate
    const vf = r.h.machine.find("nic0.vf1")!;
    expect(r.h.pt.owner.get(vf.bdf)).toBe(1);
    const res = r.h.pt.dma(vf.bdf, 0x3000, true);
    expect(res).toMatchObject({ ok: true, domainId: 1, hpa: r.h.pt.domains.get(1)!.machineBase + 0x3000 });
    expect(r.h.stats.dmaOk).toBeGreaterThan(80); // every 10 ms from 7.1 s
    expect(r.h.stats.dmaFaults).toBe(0);
  });

  it("a stray DMA past guest memory is a recorded VT-d fault", () => {
    const r = rig();
    r.at(1, () => r.h.enableVfs("nic0", 1));
    r.at(2, () => r.h.attach("nic0.vf1", "g1"));
    r.at(8, () => r.h.dma("nic0.vf1", 0x1000_0000, true));
    r.k.run(9 * S);
    expect(r.events("nic0.vf1").at(-1)).toBe("8 vt-d-fault");
    expect(r.h.pt.unit.faultRecord(0)).toMatchObject({
      valid: true,
      reason: 5,
      address: 0x1000_0000,
      sourceId: r.h.machine.find("nic0.vf1")!.bdf,
    });
  });
});

describe("Xen's AER handler", () => {
  it("a fatal error takes the VF from the guest, resets it with FLR and gives it back: recovery = 50 us + 100 ms + 5 s + 100 ms", () => {
    const r = rig();
    r.at(1, () => r.h.enableVfs("nic0", 1));
    r.at(2, () => r.h.attach("nic0.vf1", "g1"));
    r.at(10, () => r.h.injectAer("nic0.vf1", { class: "uncorrectable", error: "malformedTlp" }));
    r.k.run(11 * S);
    expect(r.h.guestHasDevice("g1")).toBe(false);
    expect(r.h.pt.owner.get(r.h.machine.find("nic0.vf1")!.bdf)).toBe(1); // reassigned, being hot-added
    r.k.run(20 * S);
    expect(r.h.guestHasDevice("g1")).toBe(true);
    expect(r.h.stats.actions["take-device"]).toBe(1);
    expect(r.h.stats.recoveryTimes).toEqual([50_000 + 100_000_000 + 5_000_000_000 + 100_000_000]);
    expect(r.events("nic0.vf1")).toEqual([
      "2 assign",
      "10 aer-error",
      "10.00005 deassign",
      "10.10005 flr",
      "10.10005 assign",
    ]);
  });

  it("a second error before the handler runs sets MULTI, raises no interrupt, and is handled once", () => {
    const r = rig();
    r.at(1, () => r.h.enableVfs("nic0", 2));
    r.at(5, () => r.h.injectAer("nic0.vf1", { class: "uncorrectable", error: "malformedTlp" }));
    r.k.atTime(5 * S + 10_000, () => r.h.injectAer("nic0.vf2", { class: "uncorrectable", error: "dlp" }));
    r.k.run(6 * S);
    expect(r.h.aerOutcomes.map((o) => o.interrupt)).toEqual([true, false]);
    expect(r.h.aerOutcomes[1].rootStatus & 0x08).toBe(0x08);
    expect(r.h.stats.aerInterrupts).toBe(1);
    expect(r.log.filter((l) => l[2] === "aer-handler")).toHaveLength(1);
  });

  it("a non-fatal error is reported to dom0 and the guest keeps its device", () => {
    const r = rig();
    r.at(1, () => r.h.enableVfs("nic0", 1));
    r.at(2, () => r.h.attach("nic0.vf1", "g1"));
    r.at(9, () => r.h.injectAer("nic0.vf1", { class: "uncorrectable", error: "completionTimeout" }));
    r.k.run(10 * S);
    expect(r.h.guestHasDevice("g1")).toBe(true);
    expect(r.h.stats.actions["report-to-dom0"]).toBe(1);
    expect(r.h.stats.recoveryTimes).toEqual([50_000]);
    const vf = r.h.machine.find("nic0.vf1")!;
    expect(vf.configRead(vf.aerCap + 4, 4)).toBe(0); // status cleared by dom0's driver
  });

  it("with reset-link, a secondary bus reset drops and recreates the VFs, and the guest gets its VF back", () => {
    const r = rig({ fatal: "reset-link" });
    r.at(1, () => r.h.enableVfs("nic0", 2));
    r.at(2, () => r.h.attach("nic0.vf1", "g1"));
    r.at(10, () => r.h.injectAer("nic0.vf1", { class: "uncorrectable", error: "surpriseDown" }));
    r.k.run(10.1 * S);
    expect(r.h.machine.find("nic0")!.ext.sriov!.vfs).toHaveLength(0);
    r.k.run(20 * S);
    expect(r.h.machine.find("nic0")!.ext.sriov!.vfs).toHaveLength(2);
    expect(r.h.guestHasDevice("g1")).toBe(true);
    expect(r.h.stats.actions["reset-link"]).toBe(1);
    expect(r.events("rp1")).toEqual(["10.00005 link-reset", "10.20005 link-reset"]);
  });
});

describe("host hot-plug", () => {
  it("a card inserted into an empty slot gets BARs inside the port's window and is known to VT-d", () => {
    const r = rig();
    r.at(1, () => r.h.insert("rp5", { model: "nvme", name: "ssd9" }));
    r.at(2, () => r.h.pressButton("rp5"));
    r.k.run(8 * S);
    const ssd = r.h.machine.find("ssd9")!;
    expect(ssd.bus).not.toBeNull();
    const bar = (ssd.cfg.get32(0x10) & ~0xf) >>> 0;
    const rp = r.h.machine.find("rp5")!;
    const base = (rp.cfg.get16(0x20) & 0xfff0) * 65536;
    const limit = (rp.cfg.get16(0x22) & 0xfff0) * 65536 + 0xfffff;
    expect(bar).toBeGreaterThanOrEqual(base);
    expect(bar + 16384 - 1).toBeLessThanOrEqual(limit);
    expect(r.h.pt.owner.get(ssd.bdf)).toBe(0);
    r.at(9, () => r.h.surpriseRemove("rp5"));
    r.k.run(10 * S);
    expect(r.h.pt.owner.has(ssd.bdf)).toBe(false);
  });
});
