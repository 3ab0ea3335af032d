import { describe, expect, it } from "vitest";
import { logErlangB } from "./erlang-b.js";
import { KaufmanRoberts, type LossClass } from "./kaufman-roberts.js";
import { logSumExp } from "./log-space.js";

interface ExactClass {
  lambda: number;
  mu: number;
  b: number;
  reserve: number;
}

/**
 * Exact per-class loss of a two-class loss system by solving the continuous-time Markov
 * chain on states (n1, n2) directly (Gaussian elimination): the reference the recursion
 * is checked against. Class k is admitted when b1 n1 + b2 n2 + b_k <= C - t_k; by PASTA
 * its loss is the stationary probability of the states where it is not admitted.
 */
function exactTwoClassLoss(capacity: number, cls: [ExactClass, ExactClass]): [number, number] {
  const states: [number, number][] = [];
  const index = new Map<string, number>();
  for (let n1 = 0; n1 * cls[0].b <= capacity; n1++)
    for (let n2 = 0; n1 * cls[0].b + n2 * cls[1].b <= capacity; n2++) {
      index.set(`${n1},${n2}`, states.length);
      states.push([n1, n2]);
    }
  const n = states.length;
  const occ = (s: [number, number]): number => s[0] * cls[0].b + s[1] * cls[1].b;
  const admits = (s: [number, number], k: number): boolean => occ(s) + cls[k].b <= capacity - cls[k].reserve;
  // Generator transposed: Q^T pi = 0, with the last equation replaced by sum pi = 1.
  const m = Array.from({ length: n }, () => new Float64Array(n + 1));
  states.forEach((s, i) => {
    for (let k = 0; k < 2; k++) {
      if (admits(s, k)) {
        const t = [...s] as [number, number];
        t[k]++;
        const j = index.get(`${t[0]},${t[1]}`)!;
        m[j][i] += cls[k].lambda;
        m[i][i] -= cls[k].lambda;
      }
      if (s[k] > 0) {
        const t = [...s] as [number, number];
        t[k]--;
        const j = index.get(`${t[0]},${t[1]}`)!;
        m[j][i] += s[k] * cls[k].mu;
        m[i][i] -= s[k] * cls[k].mu;
      }
    }
  });
  for (let j = 0; j < n; j++) m[n - 1][j] = 1;
  m[n - 1][n] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      if (f !== 0) for (let j = c; j <= n; j++) m[r][j] -= f * m[c][j];
    }
  }
  const pi = states.map((_, i) => m[i][n] / m[i][i]);
  const loss: [number, number] = [0, 0];
  states.forEach((s, i) => {
    for (let k = 0; k < 2; k++) if (!admits(s, k)) loss[k] += pi[i];
  });
  return loss;
}

function blocking(classes: LossClass[], capacity: number): number[] {
  const kr = new KaufmanRoberts(classes);
  const out = new Float64Array(classes.length);
  kr.logBlocking(capacity, out);
  return [...out].map(Math.exp);
}

function asLossClasses(cls: ExactClass[]): LossClass[] {
  return cls.map((c) => ({ a: c.lambda / c.mu, b: c.b, reserve: c.reserve }));
}

describe("Kaufman-Roberts recursion", () => {
  it("reduces to Erlang B for one class of single-unit requests", () => {
    for (const [c, a] of [
      [10, 7],
      [100, 84.064],
      [2000, 1900],
    ]) {
      expect(Math.log(blocking([{ a, b: 1, reserve: 0 }], c)[0])).toBeCloseTo(logErlangB(c, a), 10);
    }
  });

  it("is exact for complete sharing: matches the two-class Markov chain to 1e-10", () => {
    // C = 24 units; class 1: 1 unit, 9 Erlangs; class 2: 4 units, 2.5 Erlangs, other mu.
    const cls: [ExactClass, ExactClass] = [
      { lambda: 9, mu: 1, b: 1, reserve: 0 },
      { lambda: 5, mu: 2, b: 4, reserve: 0 },
    ];
    const exact = exactTwoClassLoss(24, cls);
    const ours = blocking(asLossClasses(cls), 24);
    expect(Math.abs(ours[0] - exact[0])).toBeLessThan(1e-10);
    expect(Math.abs(ours[1] - exact[1])).toBeLessThan(1e-10);
    expect(ours[1]).toBeGreaterThan(ours[0]); // wider requests are blocked more
  });

  it("is exact with trunk reservation when all requests are one unit and rates are equal", () => {
    const cls: [ExactClass, ExactClass] = [
      { lambda: 8, mu: 1, b: 1, reserve: 0 }, // critical
      { lambda: 6, mu: 1, b: 1, reserve: 3 }, // must leave 3 units free
    ];
    const exact = exactTwoClassLoss(16, cls);
    const ours = blocking(asLossClasses(cls), 16);
    expect(ours[0]).toBeCloseTo(exact[0], 12);
    expect(ours[1]).toBeCloseTo(exact[1], 12);
  });

  it("approximates reservation with mixed widths and rates (Roberts): the error it makes, measured", () => {
    // Protect a 1-unit critical class from a 3-unit class with a 4-unit reservation, C = 30.
    // Exact chain: critical 0.01425, reserved 0.4262. Roberts: 0.00382 and 0.4341. The
    // reserved class is within 2%, but the protected class's loss is underestimated 3.7x:
    // the recursion ignores that wide requests admitted below the threshold still hold
    // their units above it (and it ignores holding-time differences: mu2 = 0.5 or 1 with
    // the same a gives the same answer, the chain does not). The planner reports this as an
    // approximation and the simulation check measures it (README, "Validation").
    const cls: [ExactClass, ExactClass] = [
      { lambda: 12, mu: 1, b: 1, reserve: 0 },
      { lambda: 3, mu: 0.5, b: 3, reserve: 4 },
    ];
    const exact = exactTwoClassLoss(30, cls);
    const ours = blocking(asLossClasses(cls), 30);
    expect(exact[0]).toBeCloseTo(0.014247, 5);
    expect(exact[1]).toBeCloseTo(0.42624, 4);
    expect(Math.abs(ours[1] / exact[1] - 1)).toBeLessThan(0.02);
    expect(ours[0] / exact[0]).toBeCloseTo(0.268, 2);
    const shared = blocking(asLossClasses(cls.map((c) => ({ ...c, reserve: 0 }))), 30);
    const sharedExact = exactTwoClassLoss(30, [cls[0], { ...cls[1], reserve: 0 }]);
    expect(ours[0]).toBeLessThan(shared[0]); // the critical class gains (both in the model...)
    expect(exact[0]).toBeLessThan(sharedExact[0]); // ...and in the exact chain)
    expect(ours[1]).toBeGreaterThan(shared[1]); // the reserved class pays
  });

  it("answers every capacity from one pass: the blocking at C does not depend on what was computed before", () => {
    const classes: LossClass[] = [
      { a: 30, b: 1, reserve: 0 },
      { a: 10, b: 2, reserve: 0 },
      { a: 4, b: 4, reserve: 0 },
    ];
    const kr = new KaufmanRoberts(classes);
    const out = new Float64Array(3);
    kr.logBlocking(200, out);
    const big = [...out];
    kr.logBlocking(90, out);
    const small = [...out];
    expect(blocking(classes, 90)).toEqual(small.map(Math.exp));
    expect(blocking(classes, 200)).toEqual(big.map(Math.exp));
    expect(small[2]).toBeGreaterThan(big[2]);
  });

  it("handles a class whose width leaves unreachable states (all requests 2 units wide)", () => {
    // Only even occupancies exist: this is Erlang B on C/2 servers for a = 5.
    const b = blocking([{ a: 5, b: 2, reserve: 0 }], 21)[0];
    expect(Math.log(b)).toBeCloseTo(logErlangB(10, 5), 10);
  });

  it("stays finite and exact at 10,000 hosts of 8 units and losses far below 1e-12", () => {
    // 80,000 units; one class of 1-unit requests = Erlang B(80000, a).
    const c = 80_000;
    for (const a of [79_000, 76_000, 70_000]) {
      const ours = Math.log(blocking([{ a, b: 1, reserve: 0 }], c)[0]);
      const ref = logErlangB(c, a);
      expect(Number.isFinite(ours)).toBe(true);
      expect(Math.abs(ours - ref)).toBeLessThan(1e-7 * Math.abs(ref) + 1e-9);
    }
    expect(logErlangB(c, 70_000)).toBeLessThan(Math.log(1e-12));
  });

  it("blocks a class that can never fit, and one whose reservation leaves no room", () => {
    const b = blocking(
      [
        { a: 1, b: 5, reserve: 0 },
        { a: 1, b: 1, reserve: 4 },
        { a: 1, b: 1, reserve: 0 },
      ],
      4,
    );
    expect(b[0]).toBe(1);
    expect(b[1]).toBe(1);
    expect(b[2]).toBeLessThan(1);
  });

  it("rejects bad classes", () => {
    expect(() => new KaufmanRoberts([{ a: -1, b: 1, reserve: 0 }])).toThrow(/load/);
    expect(() => new KaufmanRoberts([{ a: 1, b: 1.5, reserve: 0 }])).toThrow(/units/);
    expect(() => new KaufmanRoberts([{ a: 1, b: 1, reserve: -2 }])).toThrow(/reservation/);
  });
});

/** The recursion straight in log space (log-sum-exp per step): the reference for the scaled window. */
function naiveLogWeights(classes: LossClass[], capacity: number): Float64Array {
  const logq = new Float64Array(capacity + 1).fill(Number.NEGATIVE_INFINITY);
  logq[0] = 0;
  for (let j = 1; j <= capacity; j++) {
    const terms = classes.filter((c) => c.b <= j && c.a > 0).map((c) => Math.log(c.a * c.b) + logq[j - c.b]);
    const m = Math.max(...terms);
    if (!Number.isFinite(m)) continue;
    logq[j] = m + Math.log(terms.reduce((s, t) => s + Math.exp(t - m), 0)) - Math.log(j);
  }
  return logq;
}

describe("Kaufman-Roberts scaled window", () => {
  it("matches the plain log-space recursion across many rescalings, wide and narrow classes", () => {
    // Huge loads (rising 1e5-fold per step at first), then a long falling tail.
    const classes: LossClass[] = [
      { a: 3e5, b: 1, reserve: 0 },
      { a: 2e4, b: 7, reserve: 0 },
      { a: 50, b: 64, reserve: 0 },
    ];
    const kr = new KaufmanRoberts(classes);
    const ref = naiveLogWeights(classes, 600_000);
    for (const j of [1, 2, 7, 64, 65, 1000, 150_000, 439_000, 600_000]) {
      expect(Math.abs(kr.logWeight(j) - ref[j]), `j=${j}`).toBeLessThan(1e-9 * Math.max(1, Math.abs(ref[j])));
    }
    // Blocking from the scaled prefix sums against the plain sums.
    const out = new Float64Array(3);
    for (const c of [300, 439_000, 600_000]) {
      kr.logBlocking(c, out);
      const logG = logSumExp(ref, 0, c + 1);
      classes.forEach((cl, k) => {
        const want = logSumExp(ref, c - cl.b + 1, c + 1) - logG;
        expect(Math.abs(out[k] - want), `C=${c} k=${k}`).toBeLessThan(1e-8 * Math.max(1, Math.abs(want)));
      });
    }
  });
});
