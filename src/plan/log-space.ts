/**
 * Arithmetic on probabilities and unnormalised weights held as natural logarithms, so
 * that loss systems with thousands of servers (terms like a^C / C! far beyond 1e308) and
 * loss probabilities far below 1e-300 never overflow or underflow.
 *
 * Conventions: log(0) is -Infinity and every helper accepts it; no helper returns NaN for
 * finite or -Infinity inputs. The identities used:
 *   log(e^x + e^y) = m + log1p(e^(-|x - y|)),            m = max(x, y)
 *   log(e^x - e^y) = x + log(-expm1(y - x)),             x >= y
 *   log(1 - e^x)   = log(-expm1(x)) if x > -ln 2, else log1p(-e^x)   (Maechler 2012)
 * The last split keeps full relative precision at both ends (M. Maechler, "Accurately
 * computing log(1 - exp(-|a|))", CRAN Rmpfr vignette, 2012).
 */

export const LOG_ZERO = Number.NEGATIVE_INFINITY;

const LN2 = Math.LN2;

/** log(e^x + e^y). */
export function logAddExp(x: number, y: number): number {
  if (x === LOG_ZERO) return y;
  if (y === LOG_ZERO) return x;
  return x > y ? x + Math.log1p(Math.exp(y - x)) : y + Math.log1p(Math.exp(x - y));
}

/** log(e^x - e^y) for x >= y (-Infinity when equal). */
export function logSubExp(x: number, y: number): number {
  if (y === LOG_ZERO) return x;
  if (y > x) throw new RangeError(`logSubExp: ${y} > ${x} would be the log of a negative number`);
  return x + log1mExp(y - x);
}

/** log(1 - e^x) for x <= 0. */
export function log1mExp(x: number): number {
  if (x > 0) throw new RangeError(`log1mExp: ${x} > 0`);
  return x > -LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/** log(e^x - 1) for x >= 0: log(expm1(x)), without overflow for large x. */
export function logExpm1(x: number): number {
  return x > 30 ? x + Math.log1p(-Math.exp(-x)) : Math.log(Math.expm1(x));
}

/** log of the sum of e^v[i] for i in [from, to). */
export function logSumExp(v: ArrayLike<number>, from = 0, to = v.length): number {
  let m = LOG_ZERO;
  for (let i = from; i < to; i++) if (v[i] > m) m = v[i];
  if (m === LOG_ZERO || m === Number.POSITIVE_INFINITY) return m;
  let s = 0;
  for (let i = from; i < to; i++) s += Math.exp(v[i] - m);
  return m + Math.log(s);
}

/**
 * log of the geometric sum rho + rho^2 + ... + rho^q, given log(rho) (q >= 0 whole).
 * rho < 1: rho (1 - rho^q) / (1 - rho); rho > 1: rho (rho^q - 1) / (rho - 1); rho = 1: q.
 */
export function logGeometricSum(logRho: number, q: number): number {
  if (q <= 0) return LOG_ZERO;
  if (logRho === LOG_ZERO) return LOG_ZERO;
  if (logRho === 0) return Math.log(q);
  if (logRho < 0) return logRho + log1mExp(q * logRho) - log1mExp(logRho);
  return logRho + logExpm1(q * logRho) - logExpm1(logRho);
}

/** e^x clamped to [0, 1]: a probability back from its log. */
export function probability(logP: number): number {
  const p = Math.exp(logP);
  return Math.min(p, 1);
}
