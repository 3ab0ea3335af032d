import { describe, expect, it } from "vitest";
import { logErlangB } from "./erlang-b.js";
import { planConsolidation } from "./plan.js";
import { PlanError, type PlanInput, type ServiceInput } from "./plan-types.js";
import { alignPeaks, meanPairwiseCorrelation } from "./profiles.js";

/** A diurnal profile: mean (1 + amp cos(2 pi (h - peak) / 24)). */
function diurnal(mean: number, amp: number, peak: number, hours = 24): number[] {
  return Array.from(
    { length: hours },
    (_, h) => mean * (1 + amp * Math.cos((2 * Math.PI * (h - peak)) / hours)),
  );
}

function service(name: string, rates: number[], over: Partial<ServiceInput> = {}): ServiceInput {
  return {
    name,
    rates,
    serviceTime: 0.1,
    servers: null,
    slots: 4,
    queue: 0,
    lossTarget: 1e-3,
    units: 1,
    overhead: 0,
    priority: "normal",
    ...over,
  };
}

function plan(services: ServiceInput[], over: Partial<PlanInput> = {}): PlanInput {
  return {
    name: "t",
    description: null,
    hours: services[0].rates.length,
    qos: "dedicated",
    lossFloor: 1e-12,
    hostUnits: 4,
    maxHosts: null,
    reservation: 0,
    power: {
      dedicated: { kind: "linear", idle: 168, peak: 280, idleScale: null },
      consolidated: { kind: "linear", idle: 168, peak: 280, idleScale: 0.91 },
    },
    services,
    sensitivity: { overhead: [], peakAlignment: [] },
    check: null,
    ...over,
  };
}

describe("consolidation planner", () => {
  it("needs exactly the dedicated servers for one service with no overhead on the same hardware", () => {
    // One service, 4 slots per server = 4 units per host, 1 unit per request: the pool of
    // n hosts is the dedicated cluster of n servers, so n* = m and nothing is saved.
    const r = planConsolidation(plan([service("web", Array(24).fill(300))]));
    const m = r.services[0].dedicated.servers;
    expect(r.savings.bound).toBe(m);
    expect(r.savings.serversSaved).toBe(0);
    // m is the fewest servers meeting 1e-3 at 30 Erlangs on 4m slots.
    expect(logErlangB(4 * m, 30)).toBeLessThanOrEqual(Math.log(1e-3));
    expect(logErlangB(4 * (m - 1), 30)).toBeGreaterThan(Math.log(1e-3));
  });

  it("saves servers when peaks are offset, and less as they align", () => {
    const a = service("ebook", diurnal(300, 0.8, 21));
    const b = service("shop", diurnal(300, 0.8, 9));
    const offset = planConsolidation(plan([a, b], { sensitivity: { overhead: [], peakAlignment: [0, 1] } }));
    expect(offset.savings.serversSaved).toBeGreaterThan(0.3);
    const [sameAsGiven, aligned] = offset.sensitivity.alignment;
    expect(sameAsGiven.savings.bound).toBe(offset.savings.bound);
    expect(aligned.savings.bound).toBeGreaterThan(offset.savings.bound);
    expect(aligned.correlation).toBeCloseTo(1, 9);
    expect(sameAsGiven.correlation).toBeCloseTo(-1, 9);
    // Aligned peaks still pool (Erlang's economy of scale) but save far less.
    expect(aligned.savings.serversSaved).toBeLessThan(0.15);
    expect(aligned.savings.serversSaved).toBeGreaterThanOrEqual(0);
  });

  it("keeps every service's loss at n* no worse than its dedicated worst hour, and n* - 1 would not", () => {
    const r = planConsolidation(
      plan([
        service("ebook", diurnal(300, 0.8, 21)),
        service("shop", diurnal(500, 0.6, 12), { serviceTime: 0.04 }),
      ]),
    );
    for (const s of r.services) {
      const worst = Math.max(...s.dedicated.logLoss);
      for (let h = 0; h < 24; h++) expect(s.logLossConsolidated[h]).toBeLessThanOrEqual(worst + 1e-9);
    }
    const services = [
      service("ebook", diurnal(300, 0.8, 21)),
      service("shop", diurnal(500, 0.6, 12), { serviceTime: 0.04 }),
    ];
    expect(() => planConsolidation(plan(services, { maxHosts: r.savings.bound - 1 }))).toThrow(PlanError);
  });

  it("needs more hosts as overhead grows", () => {
    const r = planConsolidation(
      plan([service("a", diurnal(300, 0.8, 21)), service("b", diurnal(300, 0.8, 9))], {
        sensitivity: { overhead: [0, 0.1, 0.3], peakAlignment: [] },
      }),
    );
    const bounds = r.sensitivity.overhead.map((row) => row.savings.bound);
    expect(bounds[0]).toBeLessThan(bounds[1]);
    expect(bounds[1]).toBeLessThan(bounds[2]);
    // With overhead 0.3 the work per request is 1/0.7 = 1.43x: utilisation rises with it.
    expect(r.sensitivity.overhead[2].savings.utilisationConsolidated).toBeGreaterThan(
      r.sensitivity.overhead[0].savings.utilisationConsolidated,
    );
  });

  it("asks for more hosts under hour-by-hour dedicated targets than under the worst-hour target", () => {
    const services = [service("a", diurnal(300, 0.8, 21)), service("b", diurnal(300, 0.8, 9))];
    const worstHour = planConsolidation(plan(services));
    const hourly = planConsolidation(plan(services, { qos: "dedicated-hourly" }));
    expect(hourly.savings.bound).toBeGreaterThan(worstHour.savings.bound);
    const target = planConsolidation(plan(services, { qos: "target" }));
    expect(target.savings.bound).toBeLessThanOrEqual(worstHour.savings.bound);
  });

  it("protects a critical service with trunk reservation at the cost of the others", () => {
    const services = [
      service("critical", Array(24).fill(300), { priority: "critical" }),
      service("batch", Array(24).fill(300)),
    ];
    const shared = planConsolidation(plan(services, { qos: "target" }));
    const reserved = planConsolidation(plan(services, { qos: "target", reservation: 3 }));
    expect(reserved.services[1].reserve).toBe(3);
    expect(reserved.services[0].reserve).toBe(0);
    const n = shared.savings.bound;
    expect(reserved.savings.bound).toBeGreaterThanOrEqual(n);
    // At its own bound the critical class loses less than it would under complete sharing.
    expect(reserved.services[0].logLossConsolidated[0]).toBeLessThan(
      shared.services[0].logLossConsolidated[0],
    );
  });

  it("reports power and utilisation over the day, with hosts on all day and hour by hour", () => {
    const r = planConsolidation(
      plan([service("a", diurnal(300, 0.8, 21)), service("b", diurnal(300, 0.8, 9))]),
    );
    const s = r.savings;
    expect(s.utilisationRatio).toBeCloseTo(s.utilisationConsolidated / s.utilisationDedicated, 12);
    expect(s.utilisationRatio).toBeGreaterThan(1);
    expect(s.powerSaved).toBeGreaterThan(0);
    expect(s.energyDynamicKWh).toBeLessThanOrEqual(s.energyConsolidatedKWh);
    for (let h = 0; h < 24; h++) expect(r.hourly.bound[h]).toBeLessThanOrEqual(s.bound);
    expect(Math.max(...r.hourly.bound)).toBe(s.bound);
    expect(r.hourly.bound[s.boundHour]).toBe(s.bound);
  });

  it("plans 20 services on 10,000 dedicated servers without overflow", () => {
    const services = Array.from({ length: 20 }, (_, k) =>
      service(`s${k}`, diurnal(2000 + 100 * k, 0.7, k % 24), {
        serviceTime: 0.1,
        slots: 8,
        units: 1 + (k % 3),
        overhead: 0.05 * (k % 4),
      }),
    );
    const r = planConsolidation(plan(services, { hostUnits: 16 }), { sensitivity: false });
    expect(r.savings.dedicatedServers).toBeGreaterThan(500);
    expect(Number.isFinite(r.savings.powerSaved)).toBe(true);
    for (const s of r.services) for (const v of s.logLossConsolidated) expect(Number.isNaN(v)).toBe(false);
  });

  it("says which field to fix when the plan cannot be met", () => {
    const inp = plan([service("a", Array(24).fill(300))], { maxHosts: 2 });
    expect(() => planConsolidation(inp)).toThrow(PlanError);
    try {
      planConsolidation(inp);
    } catch (e) {
      expect((e as PlanError).path).toEqual(["host", "max_hosts"]);
      expect((e as PlanError).message).toMatch(/no number of hosts up to max_hosts = 2/);
    }
    expect(() => planConsolidation(plan([service("a", [1, 2, 3])], { hours: 24 }))).toThrow(
      /expected 24 hourly/,
    );
    expect(() => planConsolidation(plan([service("a", Array(24).fill(1), { units: 8 })]))).toThrow(
      /cannot fit/,
    );
    expect(() => planConsolidation(plan([service("a", Array(24).fill(1), { lossTarget: null })]))).toThrow(
      /loss_target/,
    );
  });
});

describe("peak alignment", () => {
  it("rotates each profile so its peak lands on the lead service's peak hour, keeping volume", () => {
    const a = diurnal(100, 0.5, 20);
    const b = diurnal(50, 0.5, 8);
    const [a1, b1] = alignPeaks([a, b], [1, 1], 1);
    expect(b1.indexOf(Math.max(...b1))).toBe(20);
    expect(a1).toEqual(a);
    expect(b1.reduce((s, v) => s + v, 0)).toBeCloseTo(
      b.reduce((s, v) => s + v, 0),
      9,
    );
    expect(meanPairwiseCorrelation([a, b])).toBeCloseTo(-1, 9);
    expect(meanPairwiseCorrelation([a1, b1])).toBeCloseTo(1, 9);
    // Half way: peaks 6 h apart (12 h apart is ambiguous: either way round), correlation 0.
    const [, bHalf] = alignPeaks([a, b], [1, 1], 0.5);
    expect([2, 14]).toContain(bHalf.indexOf(Math.max(...bHalf)));
    expect(meanPairwiseCorrelation([a, bHalf])).toBeCloseTo(0, 9);
  });
});

describe("sensitivity failures", () => {
  it("name the sweep case and point at its value", () => {
    const services = [service("a", diurnal(300, 0.8, 21)), service("b", diurnal(300, 0.8, 9))];
    const base = planConsolidation(plan(services));
    const inp = plan(services, {
      maxHosts: base.savings.bound,
      sensitivity: { overhead: [0, 0.5], peakAlignment: [] },
    });
    try {
      planConsolidation(inp);
      expect.unreachable();
    } catch (e) {
      expect((e as PlanError).path).toEqual(["sensitivity", "overhead", 1]);
      expect((e as PlanError).message).toMatch(/^sensitivity case overhead = 0.5: no number of hosts/);
    }
  });
});
