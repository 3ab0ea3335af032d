import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../scenario/input-issues.js";
import { loadScenarioFile, loadScenarioText } from "../scenario/load-scenario.js";
import { REPO } from "../test-support/cli-harness.js";
import { Results } from "./results.js";
import { runScenario } from "./run-scenario.js";

const SCENARIO = join(REPO, "scenarios/pcie/vf-hotplug-aer.yaml");

describe("scenarios/pcie/vf-hotplug-aer.yaml", () => {
  const results = Results.parse(runScenario(loadScenarioFile(SCENARIO)));
  const metric = (name: string) => results.metrics.find((m) => m.entity === "pcie" && m.name === name)?.value;
  const timeline = results.tables.find((t) => t.id === "pcie-timeline")!.rows;
  const at = (event: string, detail: RegExp) =>
    timeline.find((r) => r[2] === event && detail.test(String(r[3])))?.[0];

  it("hot-plugs the VF into the running guest: assigned at 2 s, driver bound after the 5 s button wait", () => {
    expect(at("assign", /-> domain 1/)).toBe(2);
    expect(at("guest", /driver bound to nic0.vf1/)).toBeCloseTo(7.1, 6);
  });

  it("reproduces T2 (iii): two root interrupts for three errors; the one before the handler only sets MULTI", () => {
    const aer = results.tables.find((t) => t.id === "pcie-aer")!.rows;
    expect(aer.map((r) => [r[2], r[5], r[6]])).toEqual([
      ["nonfatal", "yes", "0x24"],
      ["fatal", "yes", "0x54"],
      ["fatal", "no", "0x5c"],
    ]);
    expect(aer.every((r) => r[7] === "01:10.0")).toBe(true);
    expect(metric("aer.errors")).toBe(3);
    expect(metric("aer.root_interrupts")).toBe(2);
  });

  it("shows the recovery: reported once, taken once, back in the guest 5.2 s after the fatal error", () => {
    expect(metric("aer.action.report")).toBe(1);
    expect(metric("aer.action.take_device")).toBe(1);
    expect(metric("recovery.count")).toBe(2);
    expect(metric("recovery_time.max")).toBeCloseTo(5.20005, 9);
    expect(at("guest", /driver bound to nic0.vf1; MSI-X vector 0 -> IRTE 1/)).toBeCloseTo(16.20005, 5);
    expect(metric("vtd.faults")).toBe(1);
    expect(metric("events.failed")).toBe(0);
  });

  it("draws ownership, interrupts and DMA; says guests are records", () => {
    const own = results.charts.find((c) => c.id === "pcie-ownership")!;
    expect(own.kind).toBe("gantt");
    const guest = own.series.find((s) => s.name === "guest1")!.points;
    expect(guest).toEqual([
      [2, 11.00005, 3],
      [11.10005, 20, 3],
    ]);
    expect(results.charts.map((c) => c.id)).toEqual(["pcie-ownership", "pcie-interrupts", "pcie-dma"]);
    expect(results.notes.join(" ")).toMatch(/guests are records/);
  });

  it("is deterministic: the same scenario gives the same results", () => {
    expect(JSON.stringify(Results.parse(runScenario(loadScenarioFile(SCENARIO))))).toBe(
      JSON.stringify(results),
    );
  });
});

describe("the pcie scenario section's checks", () => {
  const base = `name: t
duration: 5s
pcie:
  topology:
    devices:
      - { model: root-port, device: 1, name: rp1, child: { model: igb-82576, name: nic0 } }
  guests:
    - { name: g, domid: 1 }
    - { name: h, domid: 1 }
  events:
`;
  const issues = (events: string): string[] => {
    try {
      loadScenarioText(base + events, "t.yaml");
    } catch (e) {
      if (e instanceof InputError) return e.issues.map((i) => `${i.line}:${i.path.join(".")}: ${i.message}`);
      throw e;
    }
    return [];
  };

  it("names unknown functions, guests and PFs, misclassified errors, late events and duplicate domain ids", () => {
    const found = issues(
      [
        "    - { at: 1s, type: enable-vfs, pf: nic9, count: 2 }",
        "    - { at: 2s, type: attach, device: nic0.vf1, guest: nobody }",
        "    - { at: 3s, type: aer, device: nic0, error: badTlp }",
        "    - { at: 9s, type: dma, device: nic0, address: 0x1000 }",
        "",
      ].join("\n"),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^9:pcie\.guests\.1\.domid: duplicate domain id 1/),
        expect.stringMatching(/^11:pcie\.events\.0\.pf: no SR-IOV PF named "nic9"/),
        expect.stringMatching(/^12:pcie\.events\.1\.guest: no guest named "nobody"/),
        expect.stringMatching(/^13:pcie\.events\.2\.error: "badTlp" is not a uncorrectable error/),
        expect.stringMatching(/^14:pcie\.events\.3\.at: expected a time within the scenario's duration/),
      ]),
    );
    expect(issues("    - { at: 1s, type: aer, device: nic0, error: noSuchError }\n")).toEqual([
      expect.stringMatching(
        /^11:pcie\.events\.0\.error: expected one of "dlp", "surpriseDown", .* got "noSuchError"/,
      ),
    ]);
  });

  it("accepts a scenario whose only model is the pcie section", () => {
    const spec = loadScenarioText(
      "name: t\nduration: 1s\npcie:\n  topology:\n    devices: [ { model: nvme, device: 4, name: ssd } ]\n",
      "t.yaml",
    );
    expect(spec.pcie?.topology.devices).toHaveLength(1);
    expect(runScenario(spec).metrics.find((m) => m.name === "functions")?.value).toBe(2);
  });
});
