import { describe, expect, it } from "vitest";
import {
  BoundedPareto,
  Constant,
  type Distribution,
  Empirical,
  Exponential,
  LogNormal,
  Normal,
  Uniform,
} from "./distributions.js";
import { Rng } from "./rng.js";
import { Summary } from "./summary.js";

function sampleSummary(d: Distribution, n = 200_000): Summary {
  const s = new Summary();
  for (let i = 0; i < n; i++) s.add(d.sample());
  return s;
}

describe("distributions", () => {
  const rng = () => Rng.stream(11, "dist");

  // Each case: the analytic mean and stddev; the sample mean must be within 5 standard errors.
  const cases: Array<[string, () => Distribution, number]> = [
    ["uniform(2, 4)", () => new Uniform(rng(), 2, 4), Math.sqrt(4 / 12)],
    ["exponential(mean 3)", () => new Exponential(rng(), 3), 3],
    ["normal(10, 2)", () => new Normal(rng(), 10, 2), 2],
    ["lognormal(mean 5, cv 0.5)", () => LogNormal.fromMeanCv(rng(), 5, 0.5), 2.5],
    ["bounded pareto(1.5, 1, 1000)", () => new BoundedPareto(rng(), 1.5, 1, 1000), Number.NaN],
    ["bounded pareto(1, 1, 100)", () => new BoundedPareto(rng(), 1, 1, 100), Number.NaN],
    ["empirical resample", () => new Empirical(rng(), [1, 2, 2, 7]), Math.sqrt(5.5)],
    ["empirical interpolate", () => new Empirical(rng(), [0, 10, 20], "interpolate"), 5.78],
  ];

  for (const [name, make, sd] of cases) {
    it(`${name}: the sample mean matches the analytic mean`, () => {
      const d = make();
      const s = sampleSummary(d);
      const se = (Number.isNaN(sd) ? s.stddev : sd) / Math.sqrt(s.count);
      expect(Math.abs(s.mean - d.mean)).toBeLessThan(5 * se);
    });
  }

  it("normal has the stated standard deviation", () => {
    expect(sampleSummary(new Normal(rng(), 0, 3)).stddev).toBeCloseTo(3, 1);
  });

  it("bounded pareto stays within its bounds", () => {
    const s = sampleSummary(new BoundedPareto(rng(), 1.2, 10, 500), 50_000);
    expect(s.min).toBeGreaterThanOrEqual(10);
    expect(s.max).toBeLessThanOrEqual(500);
  });

  it("constant is constant", () => {
    expect(new Constant(4).sample()).toBe(4);
  });

  it("rejects bad parameters", () => {
    expect(() => new Exponential(rng(), 0)).toThrow(RangeError);
    expect(() => new Uniform(rng(), 3, 1)).toThrow(RangeError);
    expect(() => new BoundedPareto(rng(), 1, 5, 5)).toThrow(RangeError);
    expect(() => new Empirical(rng(), [])).toThrow(RangeError);
  });
});

describe("ziggurat exponential", () => {
  it("passes a Kolmogorov-Smirnov test against Exp(1) at the 1% level", () => {
    const d = new Exponential(Rng.stream(21, "ks"), 1);
    const n = 100_000;
    const xs = Float64Array.from({ length: n }, () => d.sample()).sort();
    let dmax = 0;
    for (let i = 0; i < n; i++) {
      const f = 1 - Math.exp(-xs[i]);
      dmax = Math.max(dmax, Math.abs(f - i / n), Math.abs(f - (i + 1) / n));
    }
    // Critical value at alpha = 0.01: 1.628 / sqrt(n).
    expect(dmax).toBeLessThan(1.628 / Math.sqrt(n));
  });

  it("reaches the tail beyond the ziggurat's last layer with the right frequency", () => {
    const d = new Exponential(Rng.stream(22, "tail"), 1);
    let beyond = 0;
    const n = 2_000_000;
    for (let i = 0; i < n; i++) if (d.sample() > 7.697117470131487) beyond++;
    // P(X > r) = e^-r = 4.54e-4: expect 908, sd 30.
    expect(Math.abs(beyond - n * Math.exp(-7.697117470131487))).toBeLessThan(5 * 30);
  });
});
