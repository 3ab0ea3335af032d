/**
 * The consolidated pool of the planner (seed-talks T16, mechanism 2): a multi-class loss
 * system of C capacity units shared by classes of Poisson requests, class k offering
 * a_k = lambda_k / mu_k Erlangs of requests that each hold b_k units, with optional trunk
 * reservation t_k (a class-k request is admitted only if at least t_k units would stay
 * free after it: occupancy + b_k <= C - t_k). With t = 0 everywhere this is complete
 * sharing, the "capability flowing" of a work-conserving (uncapped) scheduler.
 *
 * Sources. J. S. Kaufman, "Blocking in a shared resource environment", IEEE Trans.
 * Commun. 29(10), 1981, and J. W. Roberts, "A service system with heterogeneous user
 * requirements", Performance of Data Communication Systems, 1981: the occupancy
 * distribution q of complete sharing obeys
 *   q(0) = 1,  j q(j) = sum_k a_k b_k q(j - b_k)       (q(x) = 0 for x < 0),
 * and class k is blocked in states j > C - b_k: B_k = sum_{j > C - b_k} q(j) / sum_j q(j).
 * This is exact (the chain has product form). Trunk reservation breaks product form;
 * Roberts' approximation (ITC-10, 1983) keeps the recursion and switches class k off above
 * its threshold, j q(j) = sum_k a_k b_k [j <= C - t_k] q(j - b_k), B_k = sum_{j > C - t_k -
 * b_k} q(j) / G. It is exact when every b_k = 1 and all service rates are equal (the
 * occupancy is then a birth-death chain); otherwise it is an approximation whose error the
 * simulation check (sim-check.ts) measures.
 *
 * Design. Results are in log space: log q(j) and the log prefix sums log G(j) live in
 * Float64Arrays, so C in the hundreds of thousands and losses far below 1e-300 are fine.
 * The recursion itself runs on a sliding window of the last max b weights held as
 * mantissas of a common log scale s (q(j) = w(j) e^s): classes with the same b are folded
 * into one coefficient A_b = sum a_k b_k, a step is a few multiply-adds, and the window is
 * rescaled only when a mantissa leaves [1e-100, 1e100]. The prefix sum G keeps its own
 * scale, fed through the cached factor e^(s - s_G). A step then costs two logarithms (to
 * store log q and log G), whatever the number of classes (benchmark plan.consolidation).
 * Without reservation q(j) does not depend on C, so one pass up to the largest C answers
 * every smaller C (the planner scans hosts n = 1, 2, ... over one array). With reservation
 * only the top T = max t_k states depend on C: they are recomputed per C in log space in a
 * small scratch array on top of the shared prefix, O(T x groups) per capacity.
 */
import { LOG_ZERO, logAddExp, logSumExp } from "./log-space.js";

/** The window of mantissas is rescaled when one leaves [LOW, HIGH] (far inside double range). */
const HIGH = 1e100;
const LOW = 1e-100;

export interface LossClass {
  /** Offered load in Erlangs (lambda / mu), >= 0. */
  a: number;
  /** Capacity units one request holds, a whole number >= 1. */
  b: number;
  /** Trunk reservation: units that must stay free after admitting this class, >= 0. */
  reserve: number;
}

export class KaufmanRoberts {
  private logq = new Float64Array(256);
  private logG = new Float64Array(256);
  /** Highest j computed in the shared (unreserved) arrays. */
  private reached = -1;
  /** Distinct b values and their coefficients A_b (complete-sharing groups). */
  private readonly gB: Int32Array;
  private readonly gA: Float64Array;
  /** Groups by (b, reserve) for the reserved tail. */
  private readonly tB: Int32Array;
  private readonly tT: Int32Array;
  private readonly tA: Float64Array;
  /** Largest reservation T and largest b. */
  readonly maxReserve: number;
  private readonly maxB: number;
  private tail = new Float64Array(0);
  /** Sliding window of mantissas q(j) e^-s (length a power of two > max b). */
  private readonly win: Float64Array;
  /** Log scale of the window, and the prefix sum G = gLin e^sG with r = e^(s - sG). */
  private s = 0;
  private gLin = 1;
  private sG = 0;
  private r = 1;

  constructor(readonly classes: readonly LossClass[]) {
    for (const c of classes) {
      if (!(c.a >= 0) || !Number.isFinite(c.a))
        throw new RangeError(`class load must be finite >= 0: ${c.a}`);
      if (!Number.isInteger(c.b) || c.b < 1)
        throw new RangeError(`class units must be a whole number >= 1: ${c.b}`);
      if (!Number.isInteger(c.reserve) || c.reserve < 0)
        throw new RangeError(`class reservation must be a whole number >= 0: ${c.reserve}`);
    }
    const byB = new Map<number, number>();
    const byBT = new Map<string, { b: number; t: number; a: number }>();
    for (const c of classes) {
      if (c.a === 0) continue;
      byB.set(c.b, (byB.get(c.b) ?? 0) + c.a * c.b);
      const key = `${c.b}/${c.reserve}`;
      const g = byBT.get(key) ?? { b: c.b, t: c.reserve, a: 0 };
      g.a += c.a * c.b;
      byBT.set(key, g);
    }
    const bs = [...byB.keys()].sort((x, y) => x - y);
    this.gB = Int32Array.from(bs);
    this.gA = Float64Array.from(bs.map((b) => byB.get(b)!));
    const groups = [...byBT.values()].sort((x, y) => x.b - y.b || x.t - y.t);
    this.tB = Int32Array.from(groups.map((g) => g.b));
    this.tT = Int32Array.from(groups.map((g) => g.t));
    this.tA = Float64Array.from(groups.map((g) => g.a));
    this.maxReserve = classes.reduce((m, c) => Math.max(m, c.reserve), 0);
    this.maxB = classes.reduce((m, c) => Math.max(m, c.b), 1);
    let size = 2;
    while (size <= this.maxB) size *= 2;
    this.win = new Float64Array(size);
  }

  /** Computes the shared occupancy weights up to state `capacity`. */
  extendTo(capacity: number): void {
    if (capacity <= this.reached) return;
    this.grow(capacity + 1);
    const logq = this.logq;
    const logG = this.logG;
    const gB = this.gB;
    const gA = this.gA;
    const ng = gB.length;
    const win = this.win;
    const mask = win.length - 1;
    let j = this.reached + 1;
    if (j === 0) {
      win[0] = 1;
      logq[0] = 0;
      logG[0] = 0;
      j = 1;
    }
    let s = this.s;
    let gLin = this.gLin;
    let sG = this.sG;
    let r = this.r;
    // Hot path: benchmarked by `plan.consolidation`.
    for (; j <= capacity; j++) {
      let acc = 0;
      for (let g = 0; g < ng; g++) {
        const x = j - gB[g];
        if (x >= 0) acc += gA[g] * win[x & mask];
      }
      let w = acc / j;
      win[j & mask] = w;
      if (w > HIGH || (w < LOW && w > 0)) {
        // Rescale the window by its largest live mantissa (the newest when rising).
        let m = w;
        if (w < LOW) for (let i = 1; i < this.maxB && i <= j; i++) m = Math.max(m, win[(j - i) & mask]);
        if (m > HIGH || m < LOW) {
          s += Math.log(m);
          for (let i = 0; i <= mask; i++) win[i] /= m;
          w = win[j & mask];
          r = Math.exp(s - sG);
        }
      }
      logq[j] = w > 0 ? s + Math.log(w) : LOG_ZERO;
      gLin += w * r;
      if (gLin > HIGH) {
        sG += Math.log(gLin);
        gLin = 1;
        r = Math.exp(s - sG);
      }
      logG[j] = sG + Math.log(gLin);
    }
    this.s = s;
    this.gLin = gLin;
    this.sG = sG;
    this.r = r;
    this.reached = capacity;
  }

  /** log q(j) of complete sharing (unnormalised, q(0) = 1); for tests and charts. */
  logWeight(j: number): number {
    this.extendTo(j);
    return this.logq[j];
  }

  /**
   * Per-class log blocking probability at capacity C, written to out[k]. Uses Roberts'
   * reservation recursion for the top states when any class has a reservation.
   */
  logBlocking(capacity: number, out: Float64Array): void {
    if (!Number.isInteger(capacity) || capacity < 0)
      throw new RangeError(`capacity must be a whole number >= 0: ${capacity}`);
    this.extendTo(capacity);
    if (this.maxReserve === 0) this.blockingShared(capacity, out);
    else this.blockingReserved(capacity, out);
  }

  /** Complete sharing: B_k = sum_{j = C-b_k+1..C} q(j) / G(C). */
  private blockingShared(capacity: number, out: Float64Array): void {
    const logGC = this.logG[capacity];
    const cls = this.classes;
    for (let k = 0; k < cls.length; k++) {
      const from = capacity - cls[k].b + 1;
      out[k] = from <= 0 ? 0 : Math.min(0, logSumExp(this.logq, from, capacity + 1) - logGC);
    }
  }

  /** Roberts' approximation: recompute states (C - T, C] with classes switched off above C - t_k. */
  private blockingReserved(capacity: number, out: Float64Array): void {
    const start = Math.max(1, capacity - this.maxReserve + 1);
    const len = capacity - start + 1;
    if (this.tail.length < len) this.tail = new Float64Array(Math.max(len, 2 * this.tail.length));
    const tail = this.tail;
    const logq = this.logq;
    const at = (x: number): number => (x < start ? logq[x] : tail[x - start]);
    for (let j = start; j <= capacity; j++) {
      let ref = LOG_ZERO;
      for (let g = 0; g < this.tB.length; g++) {
        const x = j - this.tB[g];
        if (x >= 0 && j <= capacity - this.tT[g] && at(x) > ref) ref = at(x);
      }
      let v = LOG_ZERO;
      if (ref !== LOG_ZERO) {
        let s = 0;
        for (let g = 0; g < this.tB.length; g++) {
          const x = j - this.tB[g];
          if (x >= 0 && j <= capacity - this.tT[g]) s += this.tA[g] * Math.exp(at(x) - ref);
        }
        v = ref + Math.log(s / j);
      }
      tail[j - start] = v;
    }
    const logGC = logAddExp(this.logG[start - 1], logSumExp(tail, 0, len));
    const cls = this.classes;
    for (let k = 0; k < cls.length; k++) {
      const from = capacity - cls[k].reserve - cls[k].b + 1;
      if (from <= 0) {
        out[k] = 0;
        continue;
      }
      // sum over [from, C]: the shared part below `start`, then the tail.
      let s = LOG_ZERO;
      if (from < start) s = logSumExp(logq, from, start);
      s = logAddExp(s, logSumExp(tail, Math.max(0, from - start), len));
      out[k] = Math.min(0, s - logGC);
    }
  }

  private grow(n: number): void {
    if (n <= this.logq.length) return;
    let size = this.logq.length;
    while (size < n) size *= 2;
    const q = new Float64Array(size);
    q.set(this.logq.subarray(0, this.reached + 1));
    const g = new Float64Array(size);
    g.set(this.logG.subarray(0, this.reached + 1));
    this.logq = q;
    this.logG = g;
  }

  /** Largest b of any class (requests wider than a host cannot be placed). */
  get widestRequest(): number {
    return this.maxB;
  }
}
