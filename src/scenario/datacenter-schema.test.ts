import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "./input-issues.js";
import { loadScenarioText } from "./load-scenario.js";

function errorsOf(text: string, file = "scenarios/dc.yaml"): string[] {
  try {
    loadScenarioText(text, file, file);
  } catch (e) {
    if (e instanceof InputError) return e.message.split("\n");
    throw e;
  }
  throw new Error("expected the scenario to be rejected");
}

const PAPER = `name: dc
duration: 24h
datacenter:
  hosts:
    - { model: hp-proliant-ml110-g4, count: 400 }
    - { model: hp-proliant-ml110-g5, count: 400 }
  workload: { type: planetlab, day: "20110303" }
  policy: { overload: lr, parameter: 1.2, selection: mmt }
  zero_demand: finish
  reservations: boot-only
`;

describe("the datacenter section", () => {
  it("resolves the paper's setup: interleaved hosts, the four VM types, the bundled day", () => {
    const s = loadScenarioText(PAPER, "dc.yaml");
    const d = s.datacenter!;
    expect(d.hosts).toHaveLength(800);
    expect(d.hosts.slice(0, 3).map((h) => h.name)).toEqual([
      "hp-proliant-ml110-g4",
      "hp-proliant-ml110-g5",
      "hp-proliant-ml110-g4",
    ]);
    expect(d.vmTypes.map((t) => t.mips)).toEqual([2500, 2000, 1000, 500]);
    expect(d.interval).toBe(300e9);
    expect(d.workload).toMatchObject({ type: "planetlab", day: "20110303" });
    expect(d.workload.type === "planetlab" && d.workload.dir).toMatch(/datasets\/planetlab\/20110303$/);
    expect(d.policy).toEqual({
      allocation: "migrate",
      overload: { detector: "lr", parameter: 1.2, fallbackThreshold: 0.7, lrFit: "loess" },
      selection: "mmt",
    });
    expect([d.zeroDemand, d.bootOnlyReservations, d.share]).toEqual(["finish", true, "cloudsim"]);
  });

  it("takes the paper's parameter when none is given, and physically plain defaults for the switches", () => {
    const s = loadScenarioText(
      PAPER.replace("overload: lr, parameter: 1.2,", "overload: mad,")
        .replace("  zero_demand: finish\n", "")
        .replace("  reservations: boot-only\n", ""),
      "dc.yaml",
    );
    expect(s.datacenter!.policy.overload.parameter).toBe(2.5);
    expect(s.datacenter!.zeroDemand).toBe("keep");
    expect(s.datacenter!.bootOnlyReservations).toBe(false);
  });

  it("accepts custom host models, VM types and inline traces", () => {
    const s = loadScenarioText(
      `name: small
duration: 1h
datacenter:
  hosts:
    - model: { name: box, cores: 4, mips_per_core: 3000, memory: 16GB, bandwidth: 10Gbit/s, power: [50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150] }
      count: 2
  host_order: grouped
  vm_types: [{ name: small, mips: 1000, memory: 1GB }]
  workload: { type: traces, period: 300s, traces: [[0.1, 0.5], [0.2]] }
`,
      "small.yaml",
    );
    const d = s.datacenter!;
    expect(d.hosts.map((h) => h.cores * h.mipsPerCore)).toEqual([12000, 12000]);
    expect(d.hosts[0].power.power(0.55)).toBeCloseTo(105, 9);
    expect(d.vmTypes[0]).toMatchObject({
      mips: 1000,
      memory: 1e9,
      bandwidth: 100e6,
      vcpus: 1,
      weight: 256,
      cap: 0,
    });
    expect(d.workload).toEqual({ type: "traces", period: 300e9, traces: [[0.1, 0.5], [0.2]] });
  });

  it("names file, line, column and field for bad values", () => {
    const errs = errorsOf(
      PAPER.replace("hp-proliant-ml110-g5, count", "hp-proliant-ml110-g9, count").replace(
        "overload: lr",
        "overload: lq",
      ),
    );
    expect(errs[0]).toMatch(
      /^scenarios\/dc\.yaml:6:\d+ datacenter\.hosts\[1\]\.model: expected one of "hp-proliant-ml110-g4", "hp-proliant-ml110-g5", got "hp-proliant-ml110-g9"/,
    );
    expect(errs[1]).toMatch(/^scenarios\/dc\.yaml:8:\d+ datacenter\.policy\.overload: /);
  });

  it("says where it looked for a missing day and how to fetch it", () => {
    const errs = errorsOf(
      PAPER.replace("20110303", "20110306"),
      join(mkdtempSync(join(tmpdir(), "dc-")), "x.yaml"),
    );
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(
      /datacenter\.workload\.day: no PlanetLab traces for day 20110306: looked in .*xenlab planetlab fetch/,
    );
  });

  it("reads a day from a folder relative to the scenario file", () => {
    const root = mkdtempSync(join(tmpdir(), "dc-"));
    mkdirSync(join(root, "traces"));
    writeFileSync(join(root, "traces", "vm1"), "5\n".repeat(288));
    const file = join(root, "s.yaml");
    writeFileSync(file, PAPER.replace('day: "20110303" }', 'day: "20110303", dir: traces }'));
    const s = loadScenarioText(
      PAPER.replace('day: "20110303" }', 'day: "20110303", dir: traces }'),
      file,
      file,
    );
    expect(s.datacenter!.workload).toMatchObject({ dir: join(root, "traces") });
  });

  it("rejects a power table without 11 points", () => {
    const errs = errorsOf(`name: x
duration: 1h
datacenter:
  hosts: [{ model: { name: b, cores: 1, mips_per_core: 1, memory: 1GB, bandwidth: 1Gbit/s, power: [1, 2] } }]
  workload: { type: traces, period: 300s, traces: [[0.1]] }
`);
    expect(errs[0]).toMatch(/power: expected 11 power values/);
  });
});
