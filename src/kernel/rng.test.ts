import { describe, expect, it } from "vitest";
import { Rng } from "./rng.js";

describe("Rng (xoshiro128**)", () => {
  it("matches the reference C implementation for state {1, 2, 3, 4}", () => {
    // Outputs of Blackman and Vigna's xoshiro128starstar.c seeded with s = {1, 2, 3, 4}.
    const r = new Rng([1, 2, 3, 4]);
    const first = Array.from({ length: 8 }, () => r.nextU32());
    expect(first).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
    for (let i = 0; i < 1000; i++) r.nextU32();
    expect(r.nextU32()).toBe(5814518);
  });

  it("is reproducible per (seed, name) and differs across names and seeds", () => {
    const a = Rng.stream(7, "dom1");
    const b = Rng.stream(7, "dom1");
    const c = Rng.stream(7, "dom2");
    const d = Rng.stream(8, "dom1");
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
    expect(d.next()).not.toBe(xs[0]);
  });

  it("draws doubles in [0, 1) with mean 1/2 and variance 1/12", () => {
    const r = Rng.stream(1, "u");
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      s += x;
      s2 += x * x;
    }
    const mean = s / n;
    // Standard error of the mean is sqrt(1/12 / n) = 0.00065; allow 5 of them.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.0033);
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  it("draws unbiased integers in [0, n)", () => {
    const r = Rng.stream(3, "int");
    const counts = new Array(6).fill(0);
    const n = 60_000;
    for (let i = 0; i < n; i++) counts[r.int(6)]++;
    // Chi-square with 5 dof: 99.9th percentile is 20.5.
    const chi2 = counts.reduce((acc, c) => acc + (c - n / 6) ** 2 / (n / 6), 0);
    expect(chi2).toBeLessThan(20.5);
  });
});
