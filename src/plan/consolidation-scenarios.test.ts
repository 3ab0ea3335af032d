/**
 * Golden tests of the worked example and its variants in scenarios/consolidation/ (STYLE
 * 21): the numbers CLAIM.md quotes must come out of the files as they are.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPlanFile } from "../scenario/plan-file.js";
import { REPO } from "../test-support/cli-harness.js";
import { planConsolidation } from "./plan.js";
import { runCheck } from "./sim-check.js";

const DIR = join(REPO, "scenarios/consolidation");

function plan(name: string, sensitivity = false) {
  const loaded = loadPlanFile(join(DIR, `${name}.yaml`));
  return { input: loaded.input, result: planConsolidation(loaded.input, { sensitivity }) };
}

describe("scenarios/consolidation (CLAIM.md)", () => {
  it("tpcw-specweb: 22 dedicated servers -> 15 Xen hosts, 31.8% servers, 27.4% power, 1.63x utilisation", () => {
    const { result: r } = plan("tpcw-specweb", true);
    const s = r.savings;
    expect(r.services.map((x) => x.dedicated.servers)).toEqual([11, 11]);
    expect(s.bound).toBe(15);
    expect(s.boundHour).toBe(21);
    expect(s.serversSaved).toBeCloseTo(0.318, 3);
    expect(s.powerSaved).toBeCloseTo(0.274, 3);
    expect(s.utilisationDedicated).toBeCloseTo(0.409, 3);
    expect(s.utilisationRatio).toBeCloseTo(1.635, 3);
    expect(r.sensitivity.overhead.map((x) => x.savings.bound)).toEqual([13, 14, 14, 16]);
    expect(r.sensitivity.alignment.map((x) => x.savings.bound)).toEqual([15, 17, 20, 22, 22]);
  });

  it("the variants: best case 50% servers; Xen 30% lower power 45.8% power; SPECpower 29.3%; RFaVM 16 hosts", () => {
    const best = plan("tpcw-specweb-best-case").result.savings;
    expect([best.dedicatedServers, best.bound]).toEqual([22, 11]);
    expect(best.powerSaved).toBeCloseTo(0.444, 3);
    expect(best.utilisationRatio).toBeCloseTo(2.0, 2);
    expect(plan("tpcw-specweb-xen-power").result.savings.powerSaved).toBeCloseTo(0.458, 3);
    expect(plan("tpcw-specweb-specpower").result.savings.powerSaved).toBeCloseTo(0.293, 3);
    const rfavm = plan("tpcw-specweb-rfavm").result;
    expect(rfavm.savings.bound).toBe(16);
    const [db, web] = rfavm.services;
    expect(Math.max(...db.logLossConsolidated)).toBeLessThan(Math.max(...web.logLossConsolidated));
  });

  it("the worked example's check: simulated losses agree with the analytic ones (short run)", () => {
    const { input, result } = plan("tpcw-specweb");
    const c = runCheck(result, { ...input.check!, maxArrivals: 600_000, minLosses: 80 });
    expect(c.rows).toHaveLength(6);
    for (const row of c.rows) {
      if (row.rare) continue;
      expect(
        Math.abs(row.simulated - row.analytic),
        `${row.system} ${row.variant} ${row.service}`,
      ).toBeLessThan(2.5 * row.halfWidth);
    }
    expect(c.rows.filter((row) => !row.rare).length).toBeGreaterThanOrEqual(4);
  });
});
