import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePolicyName } from "../cluster/consolidation/policy-names.js";
import type { DatacenterSpec } from "../scenario/datacenter-schema.js";
import { loadScenarioText } from "../scenario/load-scenario.js";
import { bundledPlanetLabDir } from "../scenario/planetlab-traces.js";
import {
  comparePolicies,
  median,
  percentDiff,
  runsCsv,
  summarise,
  summaryMarkdown,
} from "./policy-comparison.js";

const BASE = loadScenarioText(
  `name: base
duration: 4h
datacenter:
  hosts: [{ model: hp-proliant-ml110-g4, count: 15 }, { model: hp-proliant-ml110-g5, count: 15 }]
  workload: { type: planetlab, day: "20110303", max_vms: 60 }
  zero_demand: finish
  reservations: boot-only
`,
  "base.yaml",
);

describe("policy comparison", () => {
  it("median and percent difference", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentDiff(110, 100)).toBeCloseTo(10, 12);
    expect(percentDiff(0, 0)).toBe(0);
    expect(percentDiff(1, 0)).toBeNull();
  });

  it("runs every policy on every day and summarises medians beside the paper's", () => {
    const seen: string[] = [];
    const runs = comparePolicies({
      base: BASE.datacenter as DatacenterSpec,
      duration: BASE.duration,
      seed: 1,
      policies: ["dvfs", "lr-mmt-1.2"].map((p) => parsePolicyName(p)!),
      days: [{ day: "20110303", dir: join(bundledPlanetLabDir(), "20110303") }],
      onRun: (i, n, p, d) => seen.push(`${i + 1}/${n} ${p} ${d}`),
    });
    expect(seen).toEqual(["1/2 DVFS 20110303", "2/2 LR-MMT-1.2 20110303"]);
    expect(runs.map((r) => [r.policy, r.vms])).toEqual([
      ["DVFS", 60],
      ["LR-MMT-1.2", 60],
    ]);
    const summary = summarise(runs);
    expect(summary[1].paper?.energyKwh).toBe(88.17);
    expect(summary[1].median.energyKwh).toBeCloseTo(runs[1].metrics.energyKwh, 12);
    const md = summaryMarkdown(summary);
    expect(md).toMatch(/^\| policy \| days \| energy kWh/);
    expect(md).toMatch(/\| LR-MMT-1\.2 \| 1 \| [\d.]+ \/ 88\.17 \([+-][\d.]+%\)/);
    const csv = runsCsv(runs).trim().split("\n");
    expect(csv[0]).toBe(
      "policy,day,vms,energy_kwh,slatah,pdm,slav,esv,migrations,host_shutdowns,finished_vms",
    );
    expect(csv).toHaveLength(3);
  });
});
