import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BatchMeans } from "./batch-means.js";
import { LogHistogram } from "./log-histogram.js";
import { Rng } from "./rng.js";
import { Summary } from "./summary.js";
import { TimeSeries } from "./time-series.js";
import { TimeWeighted } from "./time-weighted.js";

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
const positive = fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true });

function exactVariance(xs: number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
}

describe("Summary", () => {
  it("matches exact count, sum, min, max, mean and variance", () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 2, maxLength: 200 }), (xs) => {
        const s = new Summary();
        for (const x of xs) s.add(x);
        const sum = xs.reduce((a, b) => a + b, 0);
        expect(s.count).toBe(xs.length);
        expect(s.min).toBe(Math.min(...xs));
        expect(s.max).toBe(Math.max(...xs));
        expect(s.mean).toBeCloseTo(sum / xs.length, 6);
        const v = exactVariance(xs);
        expect(Math.abs(s.variance - v)).toBeLessThanOrEqual(1e-6 * Math.max(1, v));
      }),
    );
  });

  it("merging two summaries equals summarising the concatenation", () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1 }), fc.array(finite, { minLength: 1 }), (a, b) => {
        const sa = new Summary();
        const sb = new Summary();
        const all = new Summary();
        for (const x of a) {
          sa.add(x);
          all.add(x);
        }
        for (const x of b) {
          sb.add(x);
          all.add(x);
        }
        sa.merge(sb);
        expect(sa.count).toBe(all.count);
        expect(sa.mean).toBeCloseTo(all.mean, 6);
        if (all.count > 1)
          expect(Math.abs(sa.variance - all.variance)).toBeLessThanOrEqual(1e-6 * Math.max(1, all.variance));
      }),
    );
  });

  it("keeps its precision when values share a large offset (Welford, not sum of squares)", () => {
    const s = new Summary();
    for (const x of [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]) s.add(x);
    expect(s.variance).toBeCloseTo(30, 9);
  });
});

describe("LogHistogram", () => {
  it("every quantile is within the stated relative error of the exact sample quantile", () => {
    fc.assert(
      fc.property(
        fc.array(positive, { minLength: 1, maxLength: 500 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(0.01, 0.05),
        (xs, q, a) => {
          const h = new LogHistogram({ relativeError: a, min: 1e-3 });
          for (const x of xs) h.add(x);
          const sorted = [...xs].sort((p, r) => p - r);
          const exact =
            q <= 0 ? sorted[0] : q >= 1 ? sorted.at(-1)! : sorted[Math.max(1, Math.ceil(q * xs.length)) - 1];
          const est = h.quantile(q);
          if (exact < 1e-3) expect(est).toBeLessThanOrEqual(1e-3 * (1 + a));
          else expect(Math.abs(est - exact)).toBeLessThanOrEqual(a * exact * (1 + 1e-9));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("reports zeros exactly and counts values outside its range", () => {
    const h = new LogHistogram({ min: 1, max: 1000 });
    h.add(0, 3);
    h.add(5);
    h.add(1e6);
    expect(h.quantile(0.5)).toBe(0);
    expect(h.count).toBe(5);
    expect(h.clamped).toBe(1);
    expect(h.quantile(1)).toBe(1e6);
  });

  it("gives percentiles of an exponential sample close to the analytic ones", () => {
    const r = Rng.stream(5, "h");
    const h = new LogHistogram();
    for (let i = 0; i < 200_000; i++) h.add(-1e6 * Math.log(r.nextOpen()));
    // p99 of Exp(mean 1e6) = 1e6 ln 100 = 4.605e6; p50 = 1e6 ln 2.
    expect(h.quantile(0.99) / 4.605e6).toBeCloseTo(1, 1);
    expect(h.quantile(0.5) / 0.6931e6).toBeCloseTo(1, 1);
  });

  it("merges histograms as if one had seen both samples", () => {
    const a = new LogHistogram();
    const b = new LogHistogram();
    const c = new LogHistogram();
    for (let i = 1; i <= 100; i++) {
      (i % 2 ? a : b).add(i * 10);
      c.add(i * 10);
    }
    a.merge(b);
    expect(a.quantile(0.9)).toBe(c.quantile(0.9));
    expect(a.count).toBe(100);
    expect(a.cdf().at(-1)![1]).toBe(1);
  });
});

describe("TimeWeighted", () => {
  it("averages a piecewise-constant value over time exactly", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 50 })), {
          maxLength: 50,
        }),
        (steps) => {
          const tw = new TimeWeighted(0, 0);
          let t = 0;
          let area = 0;
          let v = 0;
          for (const [dt, nv] of steps) {
            area += v * dt;
            t += dt;
            tw.set(t, nv);
            v = nv;
          }
          area += v * 10;
          t += 10;
          expect(tw.integral(t)).toBe(area);
          expect(tw.mean(t)).toBeCloseTo(area / t, 9);
        },
      ),
    );
  });

  it("forgets history on reset (end of warm-up)", () => {
    const tw = new TimeWeighted(0, 4);
    tw.set(10, 2);
    tw.reset(10);
    expect(tw.mean(20)).toBe(2);
  });
});

describe("TimeSeries", () => {
  it("halves its resolution when full, keeping exact period means and bounded memory", () => {
    const ts = new TimeSeries("x", "1", 10, 0, 4);
    for (let i = 1; i <= 6; i++) ts.push(i, 10);
    // Points 1..4 fill the buffer, which halves to (1.5, 3.5) at period 20; base
    // points then pair up: (5, 6) -> 5.5.
    expect(ts.period).toBe(20);
    expect(ts.points()).toEqual([
      [20e-9, 1.5],
      [40e-9, 3.5],
      [60e-9, 5.5],
    ]);
    expect(ts.length).toBeLessThan(4);
  });
});

describe("BatchMeans", () => {
  it("covers the true mean of i.i.d. exponential samples with a narrow interval", () => {
    const r = Rng.stream(9, "bm");
    const bm = new BatchMeans();
    for (let i = 0; i < 100_000; i++) bm.add(-2 * Math.log(r.nextOpen()));
    const ci = bm.interval();
    expect(ci.batches).toBeGreaterThanOrEqual(32);
    expect(Math.abs(ci.mean - 2)).toBeLessThan(ci.halfWidth * 1.5);
    expect(ci.halfWidth).toBeLessThan(0.05);
  });

  it("gives no interval with fewer than 10 batches", () => {
    const bm = new BatchMeans();
    for (let i = 0; i < 5; i++) bm.add(i);
    expect(Number.isNaN(bm.interval().halfWidth)).toBe(true);
  });
});

describe("studentT975", () => {
  it("gives the table values, never a narrower one between rows, and NaN without degrees of freedom", async () => {
    const { studentT975 } = await import("./batch-means.js");
    expect(studentT975(1)).toBe(12.706);
    expect(studentT975(5)).toBe(2.571);
    expect(studentT975(45)).toBe(2.021);
    expect(studentT975(0)).toBeNaN();
  });
});
