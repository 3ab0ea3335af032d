import { describe, expect, it } from "vitest";
import {
  type FitScratch,
  fitUtilisationTrend,
  type LineFit,
  tricubeWeights,
  weightedLine,
} from "./local-regression.js";

const scratch = (): FitScratch => ({ w: new Float64Array(10), res: new Float64Array(10) });
const line = (): LineFit => ({ intercept: 0, slope: 0 });

describe("local regression for LR / LRR", () => {
  it("tricube weights: the newest point weighs 1, weights fall with age, the two oldest copy the third", () => {
    const w = new Float64Array(10);
    tricubeWeights(10, w);
    expect(w[9]).toBe(1);
    // u = 7/9 for i = 2: (1 - (7/9)^3)^3.
    expect(w[2]).toBeCloseTo((1 - (7 / 9) ** 3) ** 3, 15);
    expect(w[0]).toBe(w[2]);
    expect(w[1]).toBe(w[2]);
    for (let i = 3; i < 10; i++) expect(w[i]).toBeGreaterThan(w[i - 1]);
  });

  it("recovers an exact line with every fit (y = 0.1 + 0.05 x)", () => {
    const y = Float64Array.from({ length: 10 }, (_, i) => 0.1 + 0.05 * (i + 1));
    for (const [robust, fit] of [
      [false, "loess"],
      [true, "loess"],
      [false, "cloudsim-ols"],
    ] as const) {
      const out = line();
      expect(fitUtilisationTrend(y, 10, robust, fit, scratch(), out)).toBe(true);
      expect(out.intercept).toBeCloseTo(0.1, 12);
      expect(out.slope).toBeCloseTo(0.05, 12);
    }
  });

  it("weighted least squares matches the closed form on two points", () => {
    const out = line();
    expect(weightedLine(Float64Array.from([1, 3]), Float64Array.from([1, 1]), 2, out)).toBe(true);
    expect([out.intercept, out.slope]).toEqual([-1, 2]);
  });

  it("the robust fit discounts an outlier the plain fit follows", () => {
    // A flat 0.5 with one spike at x = 6.
    const y = Float64Array.from([0.5, 0.5, 0.5, 0.5, 0.5, 0.95, 0.5, 0.5, 0.5, 0.5]);
    const plain = line();
    const robust = line();
    fitUtilisationTrend(y, 10, false, "loess", scratch(), plain);
    fitUtilisationTrend(y, 10, true, "loess", scratch(), robust);
    const at11 = (f: LineFit) => f.intercept + f.slope * 11;
    expect(Math.abs(at11(robust) - 0.5)).toBeLessThan(Math.abs(at11(plain) - 0.5));
    // One bisquare pass (as CloudSim and the paper do) leaves the spike a small weight.
    expect(Math.abs(at11(robust) - 0.5)).toBeLessThan(0.01);
  });

  it("OLS (CloudSim 3.0's shipped fit) weighs old and new points alike", () => {
    // OLS must equal the unweighted closed form.
    const y = Float64Array.from([0.9, 0.8, 0.7, 0.7, 0.6, 0.6, 0.5, 0.5, 0.4, 0.4]);
    const out = line();
    fitUtilisationTrend(y, 10, false, "cloudsim-ols", scratch(), out);
    const n = 10;
    const mx = 5.5;
    const my = y.reduce((a, b) => a + b, 0) / n;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < n; i++) {
      sxy += (i + 1 - mx) * (y[i] - my);
      sxx += (i + 1 - mx) ** 2;
    }
    expect(out.slope).toBeCloseTo(sxy / sxx, 12);
    expect(out.intercept).toBeCloseTo(my - (sxy / sxx) * mx, 12);
  });
});
