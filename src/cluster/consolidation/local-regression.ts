/**
 * Local regression (Loess) of a host's recent utilisation, for the LR and LRR overload
 * detectors of Beloglazov and Buyya (CCPE 2012, section 6.1.3, after Cleveland 1979).
 *
 * Model: fit the line y = a + b x to the last n observations (x = 1..n, oldest first) by
 * weighted least squares, weighting each point by the tricube function of its distance to
 * the newest point: u_i = (n - 1 - i) / (n - 1), w_i = (1 - u_i^3)^3 (i = 0 is the oldest).
 * The oldest points would get (almost) zero weight, so - as CloudSim's `MathUtil` intends -
 * w_0 and w_1 take the value of w_2. The robust variant (LRR) then computes the residuals
 * e_i, s = median |e_i|, and refits with weights w_i * B(e_i / 6s), B(u) = (1 - u^2)^2 for
 * |u| < 1 else 0 (Tukey's bisquare), again copying the third weight to the first two. If
 * s = 0 or the refit is degenerate, the tricube fit stands.
 *
 * Closed form: with W = sum w, Sx = sum w x, Sy = sum w y, Sxx = sum w x^2, Sxy = sum w x y,
 * b = (W Sxy - Sx Sy) / (W Sxx - Sx^2) and a = (Sy - b Sx) / W. The denominator is > 0
 * whenever two distinct x carry weight, which holds for n >= 3.
 *
 * CloudSim 3.0.3's `MathUtil.createWeigthedLinearRegression` applies the weights only if 40%
 * of them are zero, which never happens, and its tricube/bisquare weights are inverted
 * (1/k); in effect the shipped LR and LRR are the same ordinary least squares fit. The
 * `"cloudsim-ols"` fit reproduces that shipped behaviour; `"loess"` is the paper's.
 */

export const LR_FITS = ["loess", "cloudsim-ols"] as const;
export type LrFit = (typeof LR_FITS)[number];

export interface LineFit {
  intercept: number;
  slope: number;
}

function tricube(u: number): number {
  const a = Math.abs(u);
  if (a >= 1) return 0;
  const t = 1 - a * a * a;
  return t * t * t;
}

function bisquare(u: number): number {
  const a = Math.abs(u);
  if (a >= 1) return 0;
  const t = 1 - a * a;
  return t * t;
}

/** Weighted least-squares line through (i + 1, y[i]), i < n; false if degenerate. */
export function weightedLine(y: Float64Array, w: Float64Array, n: number, out: LineFit): boolean {
  let W = 0;
  let Sx = 0;
  let Sy = 0;
  let Sxx = 0;
  let Sxy = 0;
  for (let i = 0; i < n; i++) {
    const x = i + 1;
    const wi = w[i];
    W += wi;
    Sx += wi * x;
    Sy += wi * y[i];
    Sxx += wi * x * x;
    Sxy += wi * x * y[i];
  }
  const den = W * Sxx - Sx * Sx;
  if (!(W > 0) || !(den > 0)) return false;
  const b = (W * Sxy - Sx * Sy) / den;
  out.slope = b;
  out.intercept = (Sy - b * Sx) / W;
  return Number.isFinite(out.slope) && Number.isFinite(out.intercept);
}

/** Fills w[0..n) with the tricube weights described above. */
export function tricubeWeights(n: number, w: Float64Array): void {
  const top = n - 1;
  for (let i = 2; i < n; i++) w[i] = tricube((top - i) / top);
  w[0] = w[1] = w[2];
}

/** Scratch arrays for `fitUtilisationTrend`, each at least n long (allocate once per detector). */
export interface FitScratch {
  w: Float64Array;
  res: Float64Array;
}

/**
 * Fits the line for the LR (robust = false) or LRR (robust = true) detector.
 * @returns false when no line can be fitted (the detector then falls back)
 */
export function fitUtilisationTrend(
  y: Float64Array,
  n: number,
  robust: boolean,
  fit: LrFit,
  scratch: FitScratch,
  out: LineFit,
): boolean {
  if (n < 3) return false;
  const w = scratch.w;
  if (fit === "cloudsim-ols") {
    w.fill(1, 0, n);
    return weightedLine(y, w, n, out);
  }
  tricubeWeights(n, w);
  if (!weightedLine(y, w, n, out)) return false;
  if (!robust) return true;
  const res = scratch.res;
  for (let i = 0; i < n; i++) res[i] = Math.abs(y[i] - (out.intercept + out.slope * (i + 1)));
  // Median of |residuals| by insertion sort in place (n = 10).
  for (let i = 1; i < n; i++) {
    const v = res[i];
    let j = i - 1;
    while (j >= 0 && res[j] > v) {
      res[j + 1] = res[j];
      j--;
    }
    res[j + 1] = v;
  }
  const s = n % 2 === 1 ? res[n >> 1] : (res[(n >> 1) - 1] + res[n >> 1]) / 2;
  if (!(s > 0)) return true;
  for (let i = 2; i < n; i++) {
    const e = y[i] - (out.intercept + out.slope * (i + 1));
    w[i] = w[i] * bisquare(e / (6 * s));
  }
  w[0] = w[1] = w[2];
  const a = out.intercept;
  const b = out.slope;
  if (!weightedLine(y, w, n, out)) {
    out.intercept = a;
    out.slope = b;
  }
  return true;
}
