import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stableJson } from "../report/write-outputs.js";
import { loadScenarioFile, loadScenarioText } from "../scenario/load-scenario.js";
import { REPO } from "../test-support/cli-harness.js";
import { Results } from "./results.js";
import { runScenario } from "./run-scenario.js";

/** 40 hosts, the first 100 traces of the bundled day, 6 hours. */
const SMALL = `name: dc-small
duration: 6h
datacenter:
  hosts:
    - { model: hp-proliant-ml110-g4, count: 20 }
    - { model: hp-proliant-ml110-g5, count: 20 }
  workload: { type: planetlab, day: "20110303", max_vms: 100 }
  policy: { overload: lr, parameter: 1.2, selection: mmt }
  zero_demand: finish
  reservations: boot-only
`;

describe("the datacenter model part", () => {
  const results = runScenario(loadScenarioText(SMALL, "small.yaml"));
  const metric = (name: string) => results.metrics.find((m) => m.entity === "datacenter" && m.name === name)!;

  it("writes results that match the results schema, with the paper's metrics and units", () => {
    expect(() => Results.parse(results)).not.toThrow();
    expect(metric("energy").unit).toBe("kWh");
    for (const n of ["slatah", "pdm", "slav", "esv", "migrations", "host_shutdowns"])
      expect(metric(n)).toBeDefined();
    expect(metric("vms").value).toBe(100);
    expect(metric("migrations").value).toBeGreaterThan(0);
  });

  it("shows a metrics table and charts of active hosts and power over the run", () => {
    const t = results.tables.find((x) => x.id === "datacenter-metrics")!;
    expect(t.columns.map((c) => c.name)).toEqual([
      "policy",
      "energy",
      "SLATAH",
      "PDM",
      "SLAV",
      "ESV",
      "migrations",
      "host shutdowns",
      "VMs",
      "VMs finished",
    ]);
    expect(t.rows[0][0]).toBe("LR-MMT-1.2");
    const ids = results.charts.map((c) => c.id);
    expect(ids).toEqual(["datacenter-active-hosts", "datacenter-power", "datacenter-migrations"]);
    // One point per 300 s interval over 6 h.
    expect(results.charts[0].series[0].points).toHaveLength(72);
  });

  it("is deterministic: same scenario and seed, same bytes", () => {
    const again = runScenario(loadScenarioText(SMALL, "small.yaml"));
    expect(stableJson(again)).toBe(stableJson(results));
  });

  it("costs events per interval and migration batch, not per simulated second", () => {
    // 72 intervals, at most 3 batches of migration ends each, plus the runner's 400 samples.
    expect(results.run.events).toBeLessThan(72 * 4 + 401);
  });
});

describe("the paper's experiment on the bundled day 20110303 (scenarios/consolidation/planetlab)", () => {
  const run = (policy: string) =>
    runScenario(loadScenarioFile(join(REPO, "scenarios/consolidation/planetlab", `${policy}.yaml`)));
  const value = (r: ReturnType<typeof run>, name: string) =>
    r.metrics.find((m) => m.entity === "datacenter" && m.name === name)!.value!;

  it("NPA: 800 hosts at full power for 24 h is exactly the paper's 2419.2 kWh", () => {
    const r = run("npa");
    expect(value(r, "energy")).toBeCloseTo(2419.2, 6);
    expect(r.metrics.find((m) => m.name === "energy")!.expected).toBeCloseTo(2419.2, 6);
  });

  it("DVFS: 628.12 kWh, within 5% of the paper's 10-day median 613.6 kWh (CLAIM.md)", () => {
    const e = value(run("dvfs"), "energy");
    expect(e).toBeCloseTo(628.12, 2);
    expect(Math.abs(e / 613.6 - 1)).toBeLessThan(0.05);
  });

  it("LR-MMT-1.2: the figures CLAIM.md records for this day (golden), energy within 10% of the paper's median", () => {
    const r = run("lr-mmt-1.2");
    expect(value(r, "energy")).toBeCloseTo(93.42, 2);
    expect(value(r, "migrations")).toBe(8868);
    expect(value(r, "slatah") * 100).toBeCloseTo(2.64, 2);
    expect(value(r, "pdm") * 100).toBeCloseTo(0.0385, 4);
    expect(value(r, "vms.finished")).toBe(749);
    expect(Math.abs(value(r, "energy") / 88.17 - 1)).toBeLessThan(0.1);
  });
});
