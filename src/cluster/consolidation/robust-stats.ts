/**
 * The small statistics the overload detectors need, with CloudSim's exact conventions
 * (org.cloudbus.cloudsim.util.MathUtil, Apache Commons Math 3 percentiles):
 *
 * - median: the middle value, or the mean of the two middle values (commons-math's
 *   default percentile estimate at p = 50 gives exactly this for every n);
 * - IQR: sort, then Q1 = x[round(0.25 (n + 1)) - 1], Q3 = x[round(0.75 (n + 1)) - 1] with
 *   Java's Math.round (half up);
 * - MAD: median of |x_i - median(x)|.
 *
 * All work on the first n entries of a caller-owned array and use a caller-owned scratch
 * array, so a detector call allocates nothing.
 */

/** Sorts scratch[0..n) ascending after copying x[0..n) into it (insertion sort: n <= 30). */
function sortedCopy(x: Float64Array, n: number, scratch: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    let j = i - 1;
    while (j >= 0 && scratch[j] > v) {
      scratch[j + 1] = scratch[j];
      j--;
    }
    scratch[j + 1] = v;
  }
}

function medianOfSorted(s: Float64Array, n: number): number {
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function median(x: Float64Array, n: number, scratch: Float64Array): number {
  sortedCopy(x, n, scratch);
  return medianOfSorted(scratch, n);
}

/** Java's Math.round: floor(x + 0.5). */
function javaRound(x: number): number {
  return Math.floor(x + 0.5);
}

export function interquartileRange(x: Float64Array, n: number, scratch: Float64Array): number {
  sortedCopy(x, n, scratch);
  const q1 = javaRound(0.25 * (n + 1)) - 1;
  const q3 = javaRound(0.75 * (n + 1)) - 1;
  return scratch[q3] - scratch[q1];
}

/** Median absolute deviation; `scratch2` receives the deviations. */
export function medianAbsoluteDeviation(
  x: Float64Array,
  n: number,
  scratch: Float64Array,
  scratch2: Float64Array,
): number {
  if (n === 0) return 0;
  const m = median(x, n, scratch);
  for (let i = 0; i < n; i++) scratch2[i] = Math.abs(x[i] - m);
  return median(scratch2, n, scratch);
}
