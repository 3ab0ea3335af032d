import { describe, expect, it } from "vitest";
import { hostModelByName, type VmType } from "./datacenter-catalog.js";
import { FluidDatacenter, type FluidOptions } from "./fluid-datacenter.js";
import { TraceSet } from "./utilisation-trace.js";

const G4 = hostModelByName("hp-proliant-ml110-g4")!;
const G5 = hostModelByName("hp-proliant-ml110-g5")!;
const S = 1e9;
const P = 300 * S;
const OPTS: FluidOptions = {
  share: "cloudsim",
  zeroDemand: "keep",
  migrationBandwidthFraction: 0.5,
  historyPeriod: P,
  powerAware: true,
  bootOnlyReservations: false,
};
const vm = (mips: number, memoryMb = 870): VmType => ({
  name: `vm${mips}`,
  mips,
  vcpus: 1,
  memory: memoryMb * 1e6,
  bandwidth: 100e6,
});

function dc(hosts = [G5, G5], vms: VmType[], rows: number[][], opts: Partial<FluidOptions> = {}) {
  return new FluidDatacenter(
    hosts,
    vms.map((type) => ({ type })),
    TraceSet.fromRows(rows, P),
    { ...OPTS, ...opts },
  );
}

describe("FluidDatacenter accounting", () => {
  it("charges energy by the trapezoid rule, nothing before the first update (CloudSim)", () => {
    // One 2660-MIPS VM at 50% on a G5: 1330 / 5320 = 25% -> 103 W. Updates at 300 s and 600 s.
    const d = dc([G5], [vm(2660)], [[0.5]]);
    d.place(0, 0);
    d.update(P);
    d.update(2 * P);
    d.finish(2 * P);
    expect(d.metrics().energyKwh * 3.6e6).toBeCloseTo(103 * 300, 6);
  });

  it("counts SLA time when a vCPU wants more than a core: two 2000-MIPS demands on a G4 get 1860 each", () => {
    const d = dc([G4], [vm(2500), vm(2500)], [[0.8], [0.8]]);
    d.place(0, 0);
    d.place(1, 0);
    d.update(P);
    d.update(2 * P);
    expect(d.allocated[0]).toBe(1860);
    const m = d.metrics();
    expect(m.slatah).toBe(1);
    expect(m.overallShortfall).toBeCloseTo(140 / 2000, 12);
  });

  it("prices a live migration: 870 MB over 62.5 MB/s takes 13.92 s; PDM and SLATAH follow", () => {
    // VM of 2000 MIPS at 50% = 1000 MIPS moves from host 0 to host 1 at 300 s.
    const d = dc([G5, G5], [vm(2000)], [[0.5]]);
    d.place(0, 0);
    d.update(P);
    const seconds = d.startMigration(0, 1);
    expect(seconds).toBeCloseTo(13.92, 12);
    expect(d.allocated[0]).toBeCloseTo(900, 12); // 10% migration overhead
    const end = P + Math.round(seconds * S);
    d.update(end);
    d.completeMigration(0, 1);
    d.reallocateAll();
    d.update(2 * P);
    d.finish(2 * P);
    const m = d.metrics();
    expect(m.migrations).toBe(1);
    // PDM: 10% of 1000 MIPS for 13.92 s over 1000 MIPS x 300 s.
    expect(m.pdm).toBeCloseTo((0.1 * 1000 * 13.92) / (1000 * 300), 12);
    // SLATAH: the target (10% booked, full demand requested) violates while the copy flies;
    // active time = source 13.92 + target 300.
    expect(m.slatah).toBeCloseTo(13.92 / (13.92 + 300), 12);
    // The source went idle: one shutdown, after 313.92 s on.
    expect(m.hostShutdowns).toBe(1);
    expect(m.meanSecondsBeforeShutdown).toBeCloseTo(313.92, 9);
    const u = 1000 / 5320;
    const e =
      G5.power.power(u) * 13.92 + G5.power.power(100 / 5320) * 13.92 + G5.power.power(u) * (300 - 13.92);
    expect(m.energyKwh * 3.6e6).toBeCloseTo(e, 6);
    expect(d.members[0]).toEqual([]);
    expect(d.members[1]).toEqual([0]);
  });

  it("finishes a VM whose demand is 0 at an update with zeroDemand 'finish', keeps it with 'keep'", () => {
    const rows = [[0.5, 0.5, 0, 0.5]];
    const fin = dc([G5], [vm(1000)], rows, { zeroDemand: "finish" });
    const keep = dc([G5], [vm(1000)], rows, { zeroDemand: "keep" });
    for (const d of [fin, keep]) {
      d.place(0, 0);
      for (let k = 1; k <= 3; k++) d.update(k * P);
    }
    expect(fin.vmHost[0]).toBe(-1);
    expect(fin.metrics().finishedVms).toBe(1);
    expect(keep.vmHost[0]).toBe(0);
    expect(keep.demand[0]).toBe(500);
  });

  it("keeps a 30-value utilisation history per VM, newest first, at interval boundaries only", () => {
    const d = dc([G5], [vm(1000)], [[0.1, 0.2, 0.3, 0.4]]);
    d.place(0, 0);
    d.update(P);
    d.update(P + 10 * S); // a migration end: no history
    d.update(2 * P);
    expect(d.historyLength(0)).toBe(2);
    expect(d.historyAt(0, 0)).toBe(0.3);
    expect(d.historyAt(0, 1)).toBe(0.2);
    expect(d.historyAt(0, 5)).toBe(0);
  });

  it("charges every host its maximum power from time 0 when not power-aware (NPA)", () => {
    const d = dc([G4, G5], [vm(1000)], [[0.1]], { powerAware: false });
    d.place(0, 0);
    d.update(P);
    d.update(2 * P);
    expect(d.metrics().energyKwh * 3.6e6).toBeCloseTo((117 + 135) * 600, 6);
  });

  it("shares by Credit weights with share 'credit': 256 vs 512 on one saturated core", () => {
    const one = { ...G5, cores: 1, mipsPerCore: 1000 };
    const d = new FluidDatacenter(
      [one],
      [
        { type: vm(1000), weight: 256 },
        { type: vm(1000), weight: 512 },
      ],
      TraceSet.fromRows([[1], [1]], P),
      { ...OPTS, share: "credit" },
    );
    d.place(0, 0);
    d.place(1, 0);
    d.update(P);
    expect(d.allocated[0]).toBeCloseTo(1000 / 3, 9);
    expect(d.allocated[1]).toBeCloseTo(2000 / 3, 9);
  });
});

describe("FluidDatacenter migrations", () => {
  it("executes a VM migrating to two hosts in one round the way CloudSim does: first one, then on", () => {
    const d = dc([G5, G5, G5], [vm(1000)], [[0.5]]);
    d.place(0, 0);
    d.update(P);
    d.startMigration(0, 1);
    d.startMigration(0, 2);
    // While both copies fly, each target books 10% of the demand.
    expect(d.utilMips[1]).toBeCloseTo(50, 9);
    expect(d.utilMips[2]).toBeCloseTo(50, 9);
    d.update(P + 13.92 * S);
    d.completeMigration(0, 1);
    d.completeMigration(0, 2);
    d.reallocateAll();
    expect(d.members).toEqual([[], [], [0]]);
    expect(d.vmHost[0]).toBe(2);
    expect(d.metrics().migrations).toBe(2);
    expect(Array.from(d.incomingCount)).toEqual([0, 0, 0]);
  });

  it("refuses to complete a migration that was never started", () => {
    const d = dc([G5, G5], [vm(1000)], [[0.5]]);
    d.place(0, 0);
    expect(() => d.completeMigration(0, 1)).toThrow(/not migrating to host 1/);
  });
});
