/**
 * Daily arrival profiles: how correlated the services' peaks are, and the transform the
 * sensitivity analysis uses to make them more so (seed-talks T16, experiment step 4:
 * "savings shrink as peak correlation -> 1").
 *
 * Peak alignment alpha in [0, 1] rotates each service's profile toward a common hour (the
 * peak hour of the service with the most work at its peak) by the fraction alpha of the
 * way, rounded to whole hours: with d_k the signed circular distance from the common hour
 * to service k's peak (|d_k| <= hours / 2),
 *   lambda_k^alpha(h) = lambda_k(h + round(alpha d_k)).
 * alpha = 0 is the plan as given; alpha = 1 puts every peak on the same hour; two daily
 * peaks 12 h apart become 6 h apart at alpha = 0.5. Rotation keeps each profile's shape,
 * volume and peak, so only the overlap changes. The mean pairwise Pearson correlation of
 * the profiles is reported beside alpha.
 */
import { peakHourOf } from "./dedicated.js";

export function alignPeaks(
  rates: readonly (readonly number[])[],
  work: readonly number[],
  alpha: number,
): number[][] {
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`peak alignment must be in [0, 1], got ${alpha}`);
  if (rates.length === 0) return [];
  let lead = 0;
  for (let k = 1; k < rates.length; k++)
    if (peakWork(rates[k], work[k]) > peakWork(rates[lead], work[lead])) lead = k;
  const common = peakHourOf(rates[lead]);
  return rates.map((r) => {
    const hours = r.length;
    let d = (((peakHourOf(r) - common) % hours) + hours) % hours;
    if (d > hours / 2) d -= hours;
    const shift = Math.round(alpha * d);
    return r.map((_, h) => r[(((h + shift) % hours) + hours) % hours]);
  });
}

function peakWork(r: readonly number[], work: number): number {
  return Math.max(...r) * work;
}

/** Mean Pearson correlation over pairs of non-constant profiles; null when there is no such pair. */
export function meanPairwiseCorrelation(rates: readonly (readonly number[])[]): number | null {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < rates.length; i++)
    for (let j = i + 1; j < rates.length; j++) {
      const r = pearson(rates[i], rates[j]);
      if (r === null) continue;
      sum += r;
      pairs++;
    }
  return pairs > 0 ? sum / pairs : null;
}

function pearson(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}
