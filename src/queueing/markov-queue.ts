/**
 * Exact steady-state results for the M/M/c/K queue (Poisson arrivals at rate lambda,
 * c exponential servers at rate mu each, at most K customers in the station; K =
 * Infinity gives M/M/c). Source: Gross, Shortle, Thompson and Harris, Fundamentals of
 * Queueing Theory, 4th ed., sections 2.3 and 2.5.
 *
 * The birth-death chain has p_n proportional to a^n / n! for n <= c and
 * a^c / c! * rho^(n - c) beyond, with a = lambda / mu and rho = a / c. Terms are built
 * by ratios (never a^n or n! alone) and all running sums are rescaled together when a
 * term grows past 1e250, so c in the thousands does not overflow. Little's
 * law gives the mean response time from the mean number in the station.
 */
export interface MarkovQueueResult {
  /** Fraction of arrivals turned away (0 when K is infinite). */
  lossProbability: number;
  /** Mean number in the station (L). */
  meanInSystem: number;
  /** Mean time in the station of an accepted customer (W), in the time unit of 1/mu. */
  meanResponse: number;
  /** Mean busy servers / c. */
  utilisation: number;
}

const RESCALE_AT = 1e250;

export function mmck(
  lambda: number,
  mu: number,
  c: number,
  k = Number.POSITIVE_INFINITY,
): MarkovQueueResult | null {
  const a = lambda / mu;
  const rho = a / c;
  if (!Number.isFinite(k) && rho >= 1) return null; // unstable: no steady state
  // Unnormalised p_n with p_0 = 1, summed; the infinite tail is geometric.
  let term = 1;
  let sum = 1;
  let sumN = 0;
  let busy = 0;
  for (let n = 1; n <= c && n <= k; n++) {
    term *= a / n;
    if (term > RESCALE_AT) {
      term /= RESCALE_AT;
      sum /= RESCALE_AT;
      sumN /= RESCALE_AT;
      busy /= RESCALE_AT;
    }
    sum += term;
    sumN += n * term;
    busy += n * term;
  }
  const pc = term; // unnormalised p_c (or p_K when K < c)
  let pk = term;
  if (k > c) {
    if (Number.isFinite(k)) {
      for (let n = c + 1; n <= k; n++) {
        term *= rho;
        if (term > RESCALE_AT) {
          term /= RESCALE_AT;
          sum /= RESCALE_AT;
          sumN /= RESCALE_AT;
          busy /= RESCALE_AT;
        }
        sum += term;
        sumN += n * term;
        busy += c * term;
      }
      pk = term;
    } else {
      // sum_{n>c} pc rho^(n-c) = pc rho/(1-rho); sum n pc rho^(n-c) = pc (c rho/(1-rho) + rho/(1-rho)^2).
      const r = rho / (1 - rho);
      sum += pc * r;
      sumN += pc * (c * r + rho / (1 - rho) ** 2);
      busy += c * pc * r;
      pk = 0;
    }
  }
  const lossProbability = pk / sum;
  const meanInSystem = sumN / sum;
  const accepted = lambda * (1 - lossProbability);
  return {
    lossProbability,
    meanInSystem,
    meanResponse: meanInSystem / accepted,
    utilisation: busy / sum / c,
  };
}
