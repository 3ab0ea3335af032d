/**
 * The consolidation bound (seed-talks T16, mechanism 3): the fewest hosts n such that every
 * service's loss on the shared pool of n x U units is no worse than its target,
 *   n*(h) = min { n : for all k with traffic in hour h, B_k(n U, h) <= target_k(h) },
 * for each hour h of the profile, and the static bound n* = max_h n*(h) (the hosts a
 * consolidated data centre must own; the hour-by-hour curve is what it would need powered
 * on if idle hosts were switched off).
 *
 * Design. The definition is taken literally: hosts are scanned upward, so no monotonicity
 * of multi-rate blocking in C is assumed (it can fail for narrow classes next to wide
 * ones). The scan starts at a rigorous lower bound: the mean occupancy of any admission
 * policy is below C, so C >= sum_k a_k b_k (1 - B_k) >= sum_k a_k b_k (1 - target_k).
 * One Kaufman-Roberts pass per hour serves every candidate n (its weights do not depend on
 * C). Hours are visited busiest first, so the first hour usually fixes n*; losses at n*
 * of earlier hours are recomputed only if a later hour raises it.
 */
import { KaufmanRoberts, type LossClass } from "./kaufman-roberts.js";
import { PlanError } from "./plan-types.js";

/** Slack on log-loss comparisons: two exact formulas for the same loss differ by ~1e-12. */
const LOG_EPS = 1e-9;

export interface BoundInput {
  /** offered[k][h]: Erlangs of class k in hour h on the consolidated hosts (overhead included). */
  offered: readonly Float64Array[];
  units: readonly number[];
  reserve: readonly number[];
  hostUnits: number;
  maxHosts: number;
  /** logTargets[k][h]. */
  logTargets: readonly Float64Array[];
  /** Names for messages. */
  names: readonly string[];
}

export interface BoundResult {
  byHour: Int32Array;
  bound: number;
  boundHour: number;
  /** logLossAtBound[k][h]: class k's log loss in hour h with `bound` hosts. */
  logLossAtBound: Float64Array[];
  /** Mean busy units in hour h with `bound` hosts, and with byHour[h] hosts. */
  busyAtBound: Float64Array;
  busyDynamic: Float64Array;
}

export function consolidationBound(inp: BoundInput): BoundResult {
  const nk = inp.offered.length;
  const hours = nk > 0 ? inp.offered[0].length : 0;
  const byHour = new Int32Array(hours);
  const logLossAtBound = Array.from({ length: nk }, () => new Float64Array(hours));
  const busyAtBound = new Float64Array(hours);
  const busyDynamic = new Float64Array(hours);
  const load = (h: number): number => inp.offered.reduce((s, a, k) => s + a[h] * inp.units[k], 0);
  const order = Array.from({ length: hours }, (_, h) => h).sort((x, y) => load(y) - load(x) || x - y);
  const out = new Float64Array(nk);
  // One instance serves every hour (its arrays are reused), sized for the busiest hour's lower bound.
  const kr = new KaufmanRoberts([], Math.ceil((1.2 * load(order[0])) / inp.hostUnits + 2) * inp.hostUnits);
  let bound = 0;
  let boundHour = 0;
  let evaluated: number[] = [];
  for (const h of order) {
    poolFor(inp, h, kr);
    const n = searchHour(inp, kr, h, out);
    byHour[h] = n;
    busyDynamic[h] = busyUnits(inp, h, out);
    if (n > bound) {
      bound = n;
      boundHour = h;
      evaluated = []; // losses of earlier hours were taken at a smaller bound
    }
    lossesAt(inp, kr, h, bound, out, logLossAtBound, busyAtBound);
    evaluated.push(h);
  }
  // Hours evaluated before the final bound was known are recomputed at it.
  const current = new Set(evaluated);
  for (const h of order) {
    if (current.has(h)) continue;
    lossesAt(inp, poolFor(inp, h, kr), h, bound, out, logLossAtBound, busyAtBound);
  }
  return { byHour, bound, boundHour, logLossAtBound, busyAtBound, busyDynamic };
}

/** Points the shared instance at hour h's classes. */
function poolFor(inp: BoundInput, h: number, kr: KaufmanRoberts): KaufmanRoberts {
  const classes: LossClass[] = inp.offered.map((a, k) => ({
    a: a[h],
    b: inp.units[k],
    reserve: inp.reserve[k],
  }));
  kr.reset(classes);
  return kr;
}

/** n*(h): scan hosts upward from the occupancy lower bound. */
function searchHour(inp: BoundInput, kr: KaufmanRoberts, h: number, out: Float64Array): number {
  let need = 0;
  for (let k = 0; k < inp.offered.length; k++)
    need += inp.offered[k][h] * inp.units[k] * -Math.expm1(Math.min(0, inp.logTargets[k][h]));
  const u = inp.hostUnits;
  for (let n = Math.max(1, Math.floor(need / u)); n <= inp.maxHosts; n++) {
    kr.logBlocking(n * u, out);
    if (meetsTargets(inp, h, out)) return n;
  }
  let worst = 0;
  for (let k = 1; k < out.length; k++)
    if (out[k] - inp.logTargets[k][h] > out[worst] - inp.logTargets[worst][h]) worst = k;
  throw new PlanError(
    `no number of hosts up to max_hosts = ${inp.maxHosts} meets every service's loss target in hour ${h} ` +
      `(with ${inp.maxHosts} hosts ${inp.names[worst]} still loses ${Math.exp(out[worst]).toPrecision(3)}, ` +
      `target ${Math.exp(inp.logTargets[worst][h]).toPrecision(3)})`,
    ["host", "max_hosts"],
  );
}

function meetsTargets(inp: BoundInput, h: number, logLoss: Float64Array): boolean {
  for (let k = 0; k < logLoss.length; k++) {
    if (inp.offered[k][h] === 0) continue;
    if (logLoss[k] > inp.logTargets[k][h] + LOG_EPS) return false;
  }
  return true;
}

function busyUnits(inp: BoundInput, h: number, logLoss: Float64Array): number {
  let busy = 0;
  for (let k = 0; k < logLoss.length; k++) busy += inp.offered[k][h] * inp.units[k] * -Math.expm1(logLoss[k]);
  return busy;
}

function lossesAt(
  inp: BoundInput,
  kr: KaufmanRoberts,
  h: number,
  n: number,
  out: Float64Array,
  logLoss: Float64Array[],
  busy: Float64Array,
): void {
  kr.logBlocking(n * inp.hostUnits, out);
  for (let k = 0; k < out.length; k++) logLoss[k][h] = out[k];
  busy[h] = busyUnits(inp, h, out);
}
