/**
 * The dedicated baseline of the consolidation planner (seed-talks T16, mechanism 1): the
 * loss probability of an M/M/C/K station, computed in log space so that thousands of
 * servers and losses far below 1e-300 are exact to ~1e-11 relative.
 *
 * Design. Erlang's loss formula B(C, a) = (a^C / C!) / sum_{n<=C} a^n / n! satisfies the
 * recursion B(k) = a B(k-1) / (k + a B(k-1)) (Gross, Shortle, Thompson and Harris,
 * Fundamentals of Queueing Theory, 4th ed., 2.5). We run its inverse, I(k) = 1/B(k):
 *   I(0) = 1,  I(k) = 1 + (k / a) I(k-1),
 * which adds only positive terms (relative error grows at most ~2k ulp: 2e-11 at k = 1e5)
 * and is held as a mantissa and a log scale, m * e^s: whenever m passes 1e250 the scale
 * absorbs it. log B(C) = -(s + log m) is returned; nothing overflows or underflows.
 *
 * With a waiting room (K > C) the chain is p_n ∝ a^n/n! up to C and p_C rho^(n-C) beyond,
 * rho = a/C. Dividing by p_C, the normaliser is I(C) + (rho + ... + rho^(K-C)), so
 *   P_loss = p_K / sum p_n = rho^(K-C) / (I(C) + rho (1 - rho^(K-C)) / (1 - rho)),
 * evaluated with logGeometricSum (rho = 1 and rho > 1 included). K = C gives B(C).
 */
import { LOG_ZERO, logAddExp, logGeometricSum } from "./log-space.js";

/** When the mantissa passes this, fold it into the log scale (far below 1.8e308). */
const RESCALE_AT = 1e250;

/** The inverse Erlang recursion, advanced one server at a time (for dimensioning). */
export class ErlangStepper {
  /** Servers reached so far. */
  servers = 0;
  private m = 1;
  private s = 0;
  /** e^-s: the "1 +" of the recursion in the current scale. */
  private one = 1;

  /** @param a offered load in Erlangs (lambda / mu), >= 0. */
  constructor(readonly a: number) {
    if (!(a >= 0) || !Number.isFinite(a))
      throw new RangeError(`offered load must be finite and >= 0, got ${a}`);
  }

  /** Advances to `servers` servers (never backwards). */
  advanceTo(servers: number): void {
    if (this.a === 0) {
      this.servers = Math.max(this.servers, servers);
      return;
    }
    const invA = 1 / this.a;
    let m = this.m;
    for (let k = this.servers + 1; k <= servers; k++) {
      m = this.one + k * invA * m;
      if (m > RESCALE_AT) {
        this.s += Math.log(m);
        this.one = Math.exp(-this.s);
        m = 1;
      }
    }
    this.m = m;
    if (servers > this.servers) this.servers = servers;
  }

  /** log B(servers, a). */
  logB(): number {
    if (this.servers === 0) return 0;
    if (this.a === 0) return LOG_ZERO;
    return -(this.s + Math.log(this.m));
  }

  /** log P_loss of M/M/C/K with C = `servers` (reached) and K = capacity >= C. */
  logLoss(capacity: number): number {
    return logLossFromB(this.logB(), this.a, this.servers, capacity);
  }
}

/** log B(C, a): Erlang's loss formula. */
export function logErlangB(servers: number, a: number): number {
  checkServers(servers);
  const st = new ErlangStepper(a);
  st.advanceTo(servers);
  return st.logB();
}

/** Erlang's loss formula B(C, a) as a probability (may underflow to 0; use logErlangB). */
export function erlangB(servers: number, a: number): number {
  return Math.exp(logErlangB(servers, a));
}

/**
 * log of the loss probability of M/M/C/K: Poisson arrivals of `a` Erlangs offered load,
 * C servers, at most K >= C customers in the station.
 */
export function logLossMMCK(servers: number, capacity: number, a: number): number {
  checkServers(servers);
  if (!(capacity >= servers) || !Number.isInteger(capacity))
    throw new RangeError(`capacity K must be a whole number >= C = ${servers}, got ${capacity}`);
  return logLossFromB(logErlangB(servers, a), a, servers, capacity);
}

function logLossFromB(logB: number, a: number, servers: number, capacity: number): number {
  const q = capacity - servers;
  if (q === 0 || logB === LOG_ZERO) return logB;
  const logRho = Math.log(a / servers);
  // log P = q log rho - log(1/B + geometric sum)
  return q * logRho - logAddExp(-logB, logGeometricSum(logRho, q));
}

/**
 * Fewest servers (each with `slots` parallel slots and `queue` waiting places) for which
 * an M/M/C/K station with C = servers * slots, K = servers * (slots + queue) loses at
 * most e^logTarget of `a` Erlangs; null if more than `maxServers` would be needed.
 */
export function minServersForLoss(
  a: number,
  slots: number,
  queue: number,
  logTarget: number,
  maxServers: number,
): number | null {
  const st = new ErlangStepper(a);
  for (let m = 1; m <= maxServers; m++) {
    st.advanceTo(m * slots);
    if (st.logLoss(m * (slots + queue)) <= logTarget) return m;
  }
  return null;
}

/**
 * The offered load (Erlangs) at which C servers lose exactly `loss` (Erlang B), found by
 * bisection on log a; what traffic tables list per number of circuits and grade of service.
 */
export function offeredLoadFor(servers: number, loss: number): number {
  checkServers(servers);
  if (!(loss > 0 && loss < 1)) throw new RangeError(`loss must be in (0, 1), got ${loss}`);
  const target = Math.log(loss);
  let lo = 1e-12;
  let hi = servers / (1 - loss) + 10; // B(C, a) >= 1 - C/a, so the answer lies below this
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = Math.sqrt(lo * hi);
    if (logErlangB(servers, mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function checkServers(servers: number): void {
  if (!(servers >= 0) || !Number.isInteger(servers))
    throw new RangeError(`servers must be a whole number >= 0, got ${servers}`);
}
