import { describe, expect, it } from "vitest";
import { LossBatches } from "./loss-batches.js";
import { planConsolidation } from "./plan.js";
import type { CheckInput, PlanInput, ServiceInput } from "./plan-types.js";
import { runCheck } from "./sim-check.js";

function diurnal(mean: number, amp: number, peak: number): number[] {
  return Array.from({ length: 24 }, (_, h) => mean * (1 + amp * Math.cos((2 * Math.PI * (h - peak)) / 24)));
}

function service(name: string, rates: number[], over: Partial<ServiceInput> = {}): ServiceInput {
  return {
    name,
    rates,
    serviceTime: 0.05,
    servers: null,
    slots: 4,
    queue: 0,
    lossTarget: 1e-2,
    units: 1,
    overhead: 0.1,
    priority: "normal",
    ...over,
  };
}

const CHECK: CheckInput = {
  seed: 11,
  durationNs: null,
  batches: 20,
  minLosses: 300,
  maxArrivals: 400_000,
  below: 1,
};

function plan(services: ServiceInput[], over: Partial<PlanInput> = {}): PlanInput {
  return {
    name: "t",
    description: null,
    hours: 24,
    qos: "dedicated",
    lossFloor: 1e-12,
    hostUnits: 4,
    maxHosts: null,
    reservation: 0,
    power: {
      dedicated: { kind: "linear", idle: 100, peak: 200, idleScale: null },
      consolidated: { kind: "linear", idle: 100, peak: 200, idleScale: null },
    },
    services,
    sensitivity: { overhead: [], peakAlignment: [] },
    check: CHECK,
    ...over,
  };
}

describe("check by simulation", () => {
  it("measures dedicated and consolidated losses that agree with the analytic ones within their intervals", () => {
    // Two services of ~4-8 Erlangs at peak, 1% loss target, 10% overhead, peaks 12 h apart.
    const r = planConsolidation(
      plan([
        service("ebook", diurnal(100, 0.6, 21)),
        service("shop", diurnal(150, 0.5, 9), { units: 2, serviceTime: 0.03 }),
      ]),
    );
    const c = runCheck(r, CHECK);
    // 2 dedicated rows, 2 at n*, 2 at n* - 1.
    expect(c.rows.map((row) => `${row.system}${row.variant}/${row.service}`)).toEqual([
      "dedicated/ebook",
      "dedicated/shop",
      "consolidatedn*/ebook",
      "consolidatedn*/shop",
      "consolidatedn*-1/ebook",
      "consolidatedn*-1/shop",
    ]);
    for (const row of c.rows) {
      const label = `${row.system} ${row.variant} ${row.service}`;
      // "rare" means fewer than minLosses / 4 losses were expected in the run.
      expect(row.rare, label).toBe(row.analytic * row.arrivals < CHECK.minLosses / 4);
      if (row.rare) continue;
      expect(row.lost, label).toBeGreaterThan(40);
      // Complete sharing and M/M/C/K are exact: allow 2 half-widths (the seed is fixed).
      expect(Math.abs(row.simulated - row.analytic), label).toBeLessThan(2 * row.halfWidth);
      expect(row.halfWidth / row.simulated, label).toBeLessThan(0.4);
    }
    expect(c.rows.filter((row) => !row.rare).length).toBeGreaterThanOrEqual(4);
    expect(c.rows.filter((row) => row.agrees).length).toBeGreaterThanOrEqual(5);
    // The wide (2-unit) class loses more than the narrow one on the shared pool.
    expect(c.rows[5].simulated).toBeGreaterThan(c.rows[4].simulated);
  });

  it("is deterministic for a seed", () => {
    const r = planConsolidation(
      plan([service("a", diurnal(100, 0.6, 21)), service("b", diurnal(100, 0.6, 9))]),
    );
    const small: CheckInput = { ...CHECK, maxArrivals: 50_000 };
    const a = runCheck(r, small);
    const b = runCheck(r, small);
    expect(a).toEqual(b);
    expect(runCheck(r, { ...small, seed: 12 }).rows[0].lost).not.toBe(a.rows[0].lost);
  });
});

describe("loss batches", () => {
  it("estimates the pooled ratio and a ratio-estimator interval", () => {
    const lb = new LossBatches(1, 4);
    for (const [a, l] of [
      [100, 2],
      [120, 1],
      [80, 3],
      [100, 2],
    ])
      lb.record([a], [l]);
    const e = lb.estimate(0);
    expect(e.loss).toBeCloseTo(8 / 400, 12);
    // residuals 2-2=0, 1-2.4=-1.4, 3-1.6=1.4, 0 -> s = sqrt(3.92/3); t(0.975, 3) = 3.182.
    expect(e.halfWidth).toBeCloseTo((3.182 * Math.sqrt(3.92 / 3)) / (2 * 100), 9);
  });

  it("gives the rule-of-three bound when nothing was lost", () => {
    const lb = new LossBatches(1, 2);
    lb.record([500], [0]);
    lb.record([500], [0]);
    expect(lb.estimate(0)).toMatchObject({ loss: 0, halfWidth: 3 / 1000 });
  });
});
