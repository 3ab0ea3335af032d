import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../scenario/load-scenario.js";
import { fluidCreditPrediction, workloadDemandCores } from "./cross-tier-credit.js";
import { runScenario } from "./run-scenario.js";

describe("fluid Credit prediction for a discrete-tier scenario", () => {
  it("turns workloads into long-run demand in cores", () => {
    expect(workloadDemandCores({ type: "hog" }, 2)).toBe(2);
    expect(workloadDemandCores({ type: "idle" }, 4)).toBe(0);
    expect(
      workloadDemandCores(
        { type: "periodic", period: 10e6, run: 1e6, offset: 0, jitter: 0, background: false },
        1,
      ),
    ).toBeCloseTo(0.1, 12);
    expect(
      workloadDemandCores(
        {
          type: "requests",
          arrivals: { type: "poisson", rate: 800 },
          service: { type: "exponential", mean: 1e6 },
          queue: "shared",
        },
        1,
      ),
    ).toBeCloseTo(0.8, 12);
  });

  it("predicts per-domain CPU time from weights, caps and vCPUs: 2 pCPUs, hogs 512/256/256-capped-25%", () => {
    const spec = loadScenarioText(
      `name: credit-check
duration: 11s
warmup: 1s
hosts: [{ name: h0, topology: { cores: 2 } }]
domains:
  - { name: heavy, vcpus: 2, cpu_weight: 512, workload: { type: hog } }
  - { name: light, vcpus: 1, cpu_weight: 256, workload: { type: hog } }
  - { name: capped, vcpus: 1, cpu_weight: 256, cap: 25, workload: { type: hog } }
  - { name: audio, vcpus: 1, workload: { type: periodic, period: 10ms, run: 1ms } }
`,
      "c.yaml",
    );
    // Bounds: heavy 2, light 1, capped 0.25, audio 0.1; capacity 2. audio and capped keep their
    // bounds (0.35), heavy and light split 1.65 by weight 2:1 -> 1.1 and 0.55.
    const p = fluidCreditPrediction(spec, "h0");
    expect(p.map((d) => d.domain)).toEqual(["heavy", "light", "capped", "audio"]);
    const cores = p.map((d) => d.cores);
    expect(cores[0]).toBeCloseTo(1.1, 12);
    expect(cores[1]).toBeCloseTo(0.55, 12);
    expect(cores[2]).toBeCloseTo(0.25, 12);
    expect(cores[3]).toBeCloseTo(0.1, 12);
    expect(p[0].cpuSeconds).toBeCloseTo(11, 12); // over the 10 s after warm-up
  });

  it("agrees with the discrete Credit scheduler on per-domain CPU within 2% of a pCPU (single-vCPU domains)", () => {
    // 2 pCPUs; hogs weighted 512/256/256, one hog capped at 25%, a 10%-periodic audio job.
    // Fluid (weighted max-min): audio 0.1 and capped 0.25 keep their bounds; 1.65 cores
    // split 2:1:1 -> 0.825, 0.4125, 0.4125. The discrete run (Credit, 10 ms ticks, 30 ms
    // accounting) must land within 0.02 cores of each over 10 s after warm-up.
    const spec = loadScenarioText(
      `name: cross-tier
duration: 11s
warmup: 1s
hosts: [{ name: h0, topology: { cores: 2 }, dom0: { vcpus: 1 } }]
domains:
  - { name: heavy, cpu_weight: 512, workload: { type: hog } }
  - { name: light1, cpu_weight: 256, workload: { type: hog } }
  - { name: light2, cpu_weight: 256, workload: { type: hog } }
  - { name: capped, cpu_weight: 256, cap: 25, workload: { type: hog } }
  - { name: audio, workload: { type: periodic, period: 10ms, run: 1ms } }
`,
      "x.yaml",
    );
    const fluid = fluidCreditPrediction(spec, "h0");
    const discrete = runScenario(spec);
    for (const d of fluid) {
      const m = discrete.metrics.find((x) => x.entity === `domain/${d.domain}` && x.name === "cpu");
      expect(m, d.domain).toBeDefined();
      expect(Math.abs((m!.value as number) - d.cores), d.domain).toBeLessThan(0.02);
    }
  });

  it("records where the fluid mapping does not hold: Credit1 shares OVER time per vCPU, not per domain", () => {
    // The 2-vCPU heavy domain of the test above: fluid says heavy 1.1, light 0.55; Credit1
    // gives the 2-vCPU domain more (its two OVER vCPUs each take a round-robin turn).
    // Documented in src/cluster/fluid/README.md; this test keeps the difference visible.
    const spec = loadScenarioText(
      `name: cross-tier-multi
duration: 11s
warmup: 1s
hosts: [{ name: h0, topology: { cores: 2 }, dom0: { vcpus: 1 } }]
domains:
  - { name: heavy, vcpus: 2, cpu_weight: 512, workload: { type: hog } }
  - { name: light, vcpus: 1, cpu_weight: 256, workload: { type: hog } }
  - { name: capped, vcpus: 1, cpu_weight: 256, cap: 25, workload: { type: hog } }
  - { name: audio, vcpus: 1, workload: { type: periodic, period: 10ms, run: 1ms } }
`,
      "m.yaml",
    );
    const fluid = fluidCreditPrediction(spec, "h0");
    const cpu = (name: string) =>
      runScenario(spec).metrics.find((x) => x.entity === `domain/${name}` && x.name === "cpu")!
        .value as number;
    const heavy = cpu("heavy");
    expect(heavy - fluid[0].cores).toBeGreaterThan(0.1);
  });
});
