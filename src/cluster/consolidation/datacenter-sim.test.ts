import { describe, expect, it } from "vitest";
import { hostModelByName, PAPER_VM_TYPES } from "../fluid/datacenter-catalog.js";
import { TraceSet } from "../fluid/utilisation-trace.js";
import { type DatacenterConfig, runDatacenter } from "./datacenter-build.js";
import { parsePolicyName } from "./policy-names.js";

const G4 = hostModelByName("hp-proliant-ml110-g4")!;
const G5 = hostModelByName("hp-proliant-ml110-g5")!;

/** 8 hosts, 12 VMs with deterministic wavy traces, 4 hours. */
function config(policy: string, overrides: Partial<DatacenterConfig> = {}): DatacenterConfig {
  const rows = Array.from({ length: 12 }, (_, v) =>
    Array.from({ length: 49 }, (_, k) => Math.max(0, Math.min(1, 0.3 + 0.25 * Math.sin((k + 3 * v) / 4)))),
  );
  return {
    hosts: Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? G4 : G5)),
    vmTypes: PAPER_VM_TYPES,
    vmTypeAssignment: "blocks",
    traces: TraceSet.fromRows(rows, 300e9),
    policy: parsePolicyName(policy)!,
    share: "cloudsim",
    migrationBandwidthFraction: 0.5,
    zeroDemand: "keep",
    bootOnlyReservations: true,
    interval: 300e9,
    duration: 4 * 3600e9,
    ...overrides,
  };
}

describe("DatacenterSim", () => {
  it("is deterministic: same configuration and seed, same metrics", () => {
    const a = runDatacenter(config("lr-mmt-1.2"));
    const b = runDatacenter(config("lr-mmt-1.2"));
    expect(a.metrics).toEqual(b.metrics);
    expect(a.samples).toEqual(b.samples);
  });

  it("costs one event per interval plus one per batch of migration ends, not per second", () => {
    const r = runDatacenter(config("thr-mmt-0.8"));
    expect(r.samples).toHaveLength(48);
    expect(r.metrics.migrations).toBeGreaterThan(0);
    // Ends come in at most 3 distinct durations (9.8 s, 13.9 s, 27.8 s) per interval.
    expect(r.events).toBeLessThanOrEqual(48 + 3 * 47);
  });

  it("saves energy against DVFS by consolidating, at some SLA cost", () => {
    const dvfs = runDatacenter(config("dvfs"));
    const thr = runDatacenter(config("thr-mmt-0.8"));
    expect(dvfs.metrics.migrations).toBe(0);
    expect(thr.metrics.energyKwh).toBeLessThan(dvfs.metrics.energyKwh);
    expect(thr.metrics.slav).toBeGreaterThan(0);
  });

  it("NPA charges every host its maximum power for the whole run", () => {
    const npa = runDatacenter(config("npa"));
    expect(npa.metrics.energyKwh).toBeCloseTo((4 * (117 + 135) * 4) / 1000, 9);
  });

  it("runs every detector and selection policy of the paper", () => {
    for (const p of ["thr-rs-1.0", "iqr-mc-1.5", "mad-mu-2.5", "lrr-mmt-1.2", "lr-mc-1.2"]) {
      const r = runDatacenter(config(p, { duration: 8 * 3600e9 }));
      expect(r.metrics.energyKwh).toBeGreaterThan(0);
    }
  });
});
