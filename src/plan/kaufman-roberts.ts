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
 * Design. Results are in log space: q(j) and the prefix sums G(j) are stored as mantissas
 * with log scales (q(j) = qm[j] e^qs[j]) and turned into logs when a blocking probability
 * is asked for, so C in the hundreds of thousands and losses far below 1e-300 are fine.
 * The recursion itself runs on a sliding window of the last max b weights held as
 * mantissas of a common log scale s (q(j) = w(j) e^s): classes with the same b are folded
 * into one coefficient A_b = sum a_k b_k, and the window is rescaled only when a mantissa
 * leaves [1e-100, 1e100]. The prefix sum G keeps its own scale, fed through the cached
 * factor e^(s - s_G). A step is a few multiply-adds and four stores, whatever the number
 * of classes (benchmark plan.consolidation).
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
  /** q(j) = qm[j] e^qs[j] and G(j) = gm[j] e^gs[j]: mantissas and log scales, j <= reached. */
  private qm: Float64Array;
  private qs: Float64Array;
  private gm: Float64Array;
  private gs: Float64Array;
  /** Highest j computed in the shared (unreserved) arrays. */
  private reached = -1;
  /** Distinct b values and their coefficients A_b (complete-sharing groups). */
  private gB = new Int32Array(0);
  private gA = new Float64Array(0);
  /** Groups by (b, reserve) for the reserved tail. */
  private tB = new Int32Array(0);
  private tT = new Int32Array(0);
  private tA = new Float64Array(0);
  /** Largest reservation T and largest b. */
  private maxT = 0;
  private maxB = 1;
  private tail = new Float64Array(0);
  private base = new Float64Array(0);
  /** Sliding window of mantissas q(j) e^-s (length a power of two > max b). */
  private win = new Float64Array(2);
  /** Log scale of the window, and the prefix sum G = gLin e^sG with r = e^(s - sG). */
  private s = 0;
  private gLin = 1;
  private sG = 0;
  private r = 1;
  private cls: readonly LossClass[] = [];

  /** @param sizeHint the largest capacity expected (saves regrowing the arrays). */
  constructor(classes: readonly LossClass[], sizeHint = 255) {
    const n = Math.max(256, sizeHint + 1);
    this.qm = new Float64Array(n);
    this.qs = new Float64Array(n);
    this.gm = new Float64Array(n);
    this.gs = new Float64Array(n);
    this.reset(classes);
  }

  /** Starts over with other classes, keeping the arrays (one instance serves many hours). */
  reset(classes: readonly LossClass[]): void {
    for (const c of classes) {
      if (!(c.a >= 0) || !Number.isFinite(c.a))
        throw new RangeError(`class load must be finite >= 0: ${c.a}`);
      if (!Number.isInteger(c.b) || c.b < 1)
        throw new RangeError(`class units must be a whole number >= 1: ${c.b}`);
      if (!Number.isInteger(c.reserve) || c.reserve < 0)
        throw new RangeError(`class reservation must be a whole number >= 0: ${c.reserve}`);
    }
    this.cls = classes;
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
    this.maxT = classes.reduce((m, c) => Math.max(m, c.reserve), 0);
    this.maxB = classes.reduce((m, c) => Math.max(m, c.b), 1);
    let size = 2;
    while (size <= this.maxB) size *= 2;
    if (this.win.length !== size) this.win = new Float64Array(size);
    else this.win.fill(0);
    this.reached = -1;
    this.s = 0;
    this.gLin = 1;
    this.sG = 0;
    this.r = 1;
  }

  /** Computes the shared occupancy weights up to state `capacity`. */
  extendTo(capacity: number): void {
    if (capacity <= this.reached) return;
    this.grow(capacity + 1);
    const qm = this.qm;
    const qs = this.qs;
    const gm = this.gm;
    const gs = this.gs;
    const gB = this.gB;
    const gA = this.gA;
    const ng = gB.length;
    const win = this.win;
    const mask = win.length - 1;
    let j = this.reached + 1;
    if (j === 0) {
      win[0] = 1;
      qm[0] = 1;
      qs[0] = 0;
      gm[0] = 1;
      gs[0] = 0;
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
      qm[j] = w;
      qs[j] = s;
      gLin += w * r;
      if (gLin > HIGH) {
        sG += Math.log(gLin);
        gLin = 1;
        r = Math.exp(s - sG);
      }
      gm[j] = gLin;
      gs[j] = sG;
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
    return this.lq(j);
  }

  /** log q(j) from its mantissa and scale (j <= reached). */
  private lq(j: number): number {
    const w = this.qm[j];
    return w > 0 ? this.qs[j] + Math.log(w) : LOG_ZERO;
  }

  /** log G(j) = log sum_{i <= j} q(i). */
  private lg(j: number): number {
    return this.gs[j] + Math.log(this.gm[j]);
  }

  /** log sum of q(j) for j in [from, to). */
  private logSumQ(from: number, to: number): number {
    const n = to - from;
    if (this.base.length < n) this.base = new Float64Array(Math.max(n, 2 * this.base.length));
    for (let j = from; j < to; j++) this.base[j - from] = this.lq(j);
    return logSumExp(this.base, 0, n);
  }

  /**
   * Per-class log blocking probability at capacity C, written to out[k]. Uses Roberts'
   * reservation recursion for the top states when any class has a reservation.
   */
  logBlocking(capacity: number, out: Float64Array): void {
    if (!Number.isInteger(capacity) || capacity < 0)
      throw new RangeError(`capacity must be a whole number >= 0: ${capacity}`);
    this.extendTo(capacity);
    if (this.maxT === 0) this.blockingShared(capacity, out);
    else this.blockingReserved(capacity, out);
  }

  /** Complete sharing: B_k = sum_{j = C-b_k+1..C} q(j) / G(C). */
  private blockingShared(capacity: number, out: Float64Array): void {
    const logGC = this.lg(capacity);
    const cls = this.cls;
    for (let k = 0; k < cls.length; k++) {
      const from = capacity - cls[k].b + 1;
      out[k] = from <= 0 ? 0 : Math.min(0, this.logSumQ(from, capacity + 1) - logGC);
    }
  }

  /** Roberts' approximation: recompute states (C - T, C] with classes switched off above C - t_k. */
  private blockingReserved(capacity: number, out: Float64Array): void {
    const start = Math.max(1, capacity - this.maxT + 1);
    const len = capacity - start + 1;
    if (this.tail.length < len) this.tail = new Float64Array(Math.max(len, 2 * this.tail.length));
    const tail = this.tail;
    // log q below the tail, for the states the tail and the blocking sums reach back to.
    const lo = Math.max(0, start - this.maxB);
    const below = new Float64Array(start - lo);
    for (let x = lo; x < start; x++) below[x - lo] = this.lq(x);
    const at = (x: number): number => (x < start ? below[x - lo] : tail[x - start]);
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
    const logGC = logAddExp(this.lg(start - 1), logSumExp(tail, 0, len));
    const cls = this.cls;
    for (let k = 0; k < cls.length; k++) {
      const from = capacity - cls[k].reserve - cls[k].b + 1;
      if (from <= 0) {
        out[k] = 0;
        continue;
      }
      // sum over [from, C]: the shared part below `start`, then the tail.
      let s = LOG_ZERO;
      if (from < start) s = logSumExp(below, from - lo, start - lo);
      s = logAddExp(s, logSumExp(tail, Math.max(0, from - start), len));
      out[k] = Math.min(0, s - logGC);
    }
  }

  private grow(n: number): void {
    if (n <= this.qm.length) return;
    let size = this.qm.length;
    while (size < n) size *= 2;
    const keep = this.reached + 1;
    const bigger = (a: Float64Array): Float64Array => {
      const b = new Float64Array(size);
      b.set(a.subarray(0, keep));
      return b;
    };
    this.qm = bigger(this.qm);
    this.qs = bigger(this.qs);
    this.gm = bigger(this.gm);
    this.gs = bigger(this.gs);
  }

  get classes(): readonly LossClass[] {
    return this.cls;
  }

  /** Largest trunk reservation T of any class. */
  get maxReserve(): number {
    return this.maxT;
  }
}
