/**
 * The Credit scheduler's validation scenarios (spec scheduler.md section 7: 1-8 and 11),
 * each in scenarios/scheduler/<n>/ with its CLAIM.md: expectations and tolerances as
 * stated there. Durations are the scenario files' own unless noted.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile } from "../scenario/load-scenario.js";
import type { ScenarioSpec } from "../scenario/scenario-schema.js";
import { REPO } from "../test-support/cli-harness.js";
import type { ResultsRecord } from "./results.js";
import { runScenario } from "./run-scenario.js";

const DIR = join(REPO, "scenarios/scheduler");

function run(file: string, edit?: (s: ScenarioSpec) => void): ResultsRecord {
  const spec = loadScenarioFile(join(DIR, file));
  edit?.(spec);
  return runScenario(spec);
}

function metric(r: ResultsRecord, entity: string, name: string): number {
  const m = r.metrics.find((x) => x.entity === entity && x.name === name);
  if (m === undefined || m.value === null) throw new Error(`no metric ${entity} ${name}`);
  return m.value;
}

const share = (r: ResultsRecord, vcpu: string) => 100 * metric(r, `vcpu/${vcpu}`, "cpu_share");

/** The pCPU of each vCPU at the end of the run, from the xl vcpu-list table. */
function cpusAtEnd(r: ResultsRecord): Map<string, number> {
  const t = r.tables.find((x) => x.id.endsWith("xl-vcpu-list"))!;
  return new Map(t.rows.map((row) => [`${row[0]}.${row[2]}`, row[3] as number]));
}

describe("scenario 1: weighted share on one pCPU", () => {
  // Per 30 ms period the pair gets 100 and 200 credits: shares 1/3 and 2/3.
  for (const version of ["3.4", "4.0", "4.1", "4.2"] as const) {
    it(`Xen ${version}: weights 256 and 512 get 33.3% and 66.7% within 2 points`, () => {
      const r = run("01-weighted-share/scenario.yaml", (s) => {
        s.hosts[0].xen.version = version;
        s.duration = 6e9;
      });
      expect(Math.abs(share(r, "w256.0") - 100 / 3)).toBeLessThan(2);
      expect(Math.abs(share(r, "w512.0") - 200 / 3)).toBeLessThan(2);
    });
  }
});

describe("scenario 2: weight per domain (<= 4.0) or per vCPU (>= 4.1)", () => {
  it("Xen 4.0: the 2-vCPU domain gets 25% + 25%, the 1-vCPU domain 50%", () => {
    const r = run("02-domain-vs-vcpu-weight/credit-4.0.yaml");
    expect(Math.abs(share(r, "A.0") - 25)).toBeLessThan(2);
    expect(Math.abs(share(r, "A.1") - 25)).toBeLessThan(2);
    expect(Math.abs(share(r, "B.0") - 50)).toBeLessThan(2);
  });
  it("Xen 4.1: every vCPU gets 33.3%", () => {
    const r = run("02-domain-vs-vcpu-weight/credit-4.1.yaml");
    for (const v of ["A.0", "A.1", "B.0"]) expect(Math.abs(share(r, v) - 100 / 3)).toBeLessThan(2);
  });
});

describe("scenario 3: work conservation", () => {
  it("a weight-1 hog with four idle VMs gets the whole pCPU", () => {
    expect(share(run("03-work-conservation/scenario.yaml"), "light.0")).toBeGreaterThan(99);
  });
  it("weights 1 vs 65535: the fingerprint in CLAIM.md (light 0.3%) still holds", () => {
    const r = run("03-work-conservation/heavy-vs-light.yaml");
    expect(share(r, "light.0")).toBeCloseTo(0.3, 1);
    expect(share(r, "heavy.0")).toBeCloseTo(99.7, 1);
  });
});

describe("scenario 4: cap", () => {
  it("a hog capped at 50% gets 50% within 3 points, in 60 ms on / 60 ms parked bursts", () => {
    const r = run("04-cap/one-hog.yaml");
    expect(Math.abs(share(r, "capped.0") - 50)).toBeLessThan(3);
    const gantt = r.charts.find((c) => c.kind === "gantt")!;
    const segs = gantt.series.find((s) => s.name === "capped.0")!.points;
    // Whole bursts inside the 600 ms window: each a multiple of the 30 ms period, ~60 ms.
    const lengths = segs.slice(1, -1).map((p) => (p[1]! - p[0]!) as number);
    expect(lengths.length).toBeGreaterThan(2);
    for (const len of lengths) expect(len).toBeCloseTo(60, 6);
  });
  it("four hogs of a domain capped at 150% get 150% within 5 points", () => {
    const r = run("04-cap/four-vcpus.yaml", (s) => {
      s.duration = 6e9;
    });
    const total = [0, 1, 2, 3].reduce((a, i) => a + share(r, `capped.${i}`), 0);
    expect(Math.abs(total - 150)).toBeLessThan(5);
  });
});

describe("scenario 5: a latency-sensitive vCPU against four hogs", () => {
  it("Xen 4.0: boosted, it preempts at once (p99 < 0.1 ms) and gets its 10%", () => {
    const r = run("05-latency-sensitive/credit-4.0.yaml", (s) => {
      s.duration = 4e9;
    });
    expect(metric(r, "vcpu/ls.0", "wake_latency.p99")).toBeLessThan(1e-4);
    expect(Math.abs(share(r, "ls.0") - 10)).toBeLessThan(0.5);
  });
  it("Xen 4.2 (1 ms ratelimit): p99 within 1 ms, and it gets its 10%", () => {
    const r = run("05-latency-sensitive/credit-4.2.yaml", (s) => {
      s.duration = 4e9;
    });
    expect(metric(r, "vcpu/ls.0", "wake_latency.p99")).toBeLessThanOrEqual(1e-3);
    expect(Math.abs(share(r, "ls.0") - 10)).toBeLessThan(0.5);
  });
});

describe("scenario 6: audio that never blocks (the talk's problem statement)", () => {
  it("misses most of its 10 ms periods, waiting several 30 ms slices for the pCPU", () => {
    const r = run("06-mixed-audio/scenario.yaml");
    expect(metric(r, "vcpu/audio.0", "deadline_miss_ratio")).toBeGreaterThan(0.5);
    expect(metric(r, "vcpu/audio.0", "runnable_gap.p50")).toBeGreaterThanOrEqual(0.09);
    expect(Math.abs(share(r, "audio.0") - 20)).toBeLessThan(1);
  });
});

describe("scenario 7: the accounting attack", () => {
  it("Xen 3.4 (sampled debit): the rogue takes about 95%", () => {
    expect(Math.abs(share(run("07-accounting-attack/credit-3.4.yaml"), "rogue.0") - 95)).toBeLessThan(3);
  });
  it("Xen 4.0 (exact debit): rogue and hog split 50/50 within 3 points", () => {
    expect(Math.abs(share(run("07-accounting-attack/credit-4.0.yaml"), "rogue.0") - 50)).toBeLessThan(3);
  });
});

describe("scenario 8: boost leak through migration", () => {
  const cycles = (r: ResultsRecord) => metric(r, "vcpu/io.0", "wake_latency.count");
  const alone = cycles(run("08-boost-leak/alone.yaml"));
  it("Xen 4.3: I/O waits up to a slice and completes at least 4x fewer cycles than alone", () => {
    const r = run("08-boost-leak/credit-4.3.yaml");
    expect(metric(r, "vcpu/io.0", "wake_latency.p99")).toBeGreaterThan(0.01);
    expect(metric(r, "vcpu/io.0", "wake_latency.max")).toBeLessThanOrEqual(0.031);
    expect(cycles(r)).toBeLessThan(alone / 4);
  });
  it("Xen 4.7: I/O keeps its cycles within 10% of running alone", () => {
    expect(cycles(run("08-boost-leak/credit-4.7.yaml"))).toBeGreaterThan(0.9 * alone);
  });
});

describe("scenario 11: SMT and socket awareness", () => {
  it("(a) four hogs on an idle 4x2 socket run on four distinct cores", () => {
    const cpus = cpusAtEnd(run("11-smt-socket/spread.yaml"));
    const cores = [1, 2, 3, 4].map((i) => Math.floor(cpus.get(`hog-${i}.0`)! / 2));
    expect(new Set(cores).size).toBe(4);
  });
  it("(b) of two hogs started on sibling threads, one moves to an idle core within 2 ticks", () => {
    const r = run("11-smt-socket/siblings.yaml", (s) => {
      s.duration = 21e6;
    });
    const cpus = cpusAtEnd(r);
    expect(Math.floor(cpus.get("a.0")! / 2)).not.toBe(Math.floor(cpus.get("b.0")! / 2));
  });
  it("(c) Xen 4.1: a lone hog never crosses sockets in 60 s; Xen 4.0 flips", () => {
    const x = (r: ResultsRecord) => metric(r, "vcpu/hog.0", "migrations.cross_socket");
    expect(x(run("11-smt-socket/lone-4.1.yaml"))).toBe(0);
    expect(x(run("11-smt-socket/lone-4.0.yaml"))).toBeGreaterThan(10);
  });
});
