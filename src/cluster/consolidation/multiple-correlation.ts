/**
 * The coefficient of determination R^2 of a multiple linear regression with intercept,
 * y = b0 + b1 x1 + ... + bk xk, for the Maximum Correlation VM selection policy (Beloglazov
 * and Buyya, CCPE 2012, section 6.2.3, after Verma et al.): a VM whose load is best
 * explained by the other VMs on the host is the one most likely to push it over.
 *
 * Method: normal equations (X'X) b = X'y solved by Gaussian elimination with partial
 * pivoting, then R^2 = 1 - SS_res / SS_tot. Returns NaN when the fit is undefined: fewer
 * observations than parameters + 1 (no degrees of freedom), a singular X'X (collinear
 * histories, e.g. two idle VMs), or constant y.
 */

/**
 * @param rows m observations; column j of observation r is x[r * k + j]
 * @param y m responses
 * @param scratch at least (k + 1) * (k + 2) doubles
 */
export function rSquared(
  x: Float64Array,
  y: Float64Array,
  m: number,
  k: number,
  scratch: Float64Array,
): number {
  const p = k + 1;
  if (m - p <= 0) return Number.NaN;
  // Augmented matrix A = [X'X | X'y], p rows x (p + 1) columns, intercept as column 0.
  const w = p + 1;
  const A = scratch;
  A.fill(0, 0, p * w);
  for (let r = 0; r < m; r++) {
    for (let i = 0; i < p; i++) {
      const xi = i === 0 ? 1 : x[r * k + i - 1];
      for (let j = i; j < p; j++) {
        const xj = j === 0 ? 1 : x[r * k + j - 1];
        A[i * w + j] += xi * xj;
      }
      A[i * w + p] += xi * y[r];
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) A[i * w + j] = A[j * w + i];
  let scale = 0;
  for (let i = 0; i < p; i++) scale = Math.max(scale, Math.abs(A[i * w + i]));
  const tiny = 1e-12 * (scale > 0 ? scale : 1);
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(A[r * w + c]) > Math.abs(A[piv * w + c])) piv = r;
    if (Math.abs(A[piv * w + c]) <= tiny) return Number.NaN;
    if (piv !== c) {
      for (let j = 0; j < w; j++) {
        const t = A[c * w + j];
        A[c * w + j] = A[piv * w + j];
        A[piv * w + j] = t;
      }
    }
    for (let r = c + 1; r < p; r++) {
      const f = A[r * w + c] / A[c * w + c];
      if (f === 0) continue;
      for (let j = c; j < w; j++) A[r * w + j] -= f * A[c * w + j];
    }
  }
  // Back substitution into the last column.
  for (let i = p - 1; i >= 0; i--) {
    let s = A[i * w + p];
    for (let j = i + 1; j < p; j++) s -= A[i * w + j] * A[j * w + p];
    A[i * w + p] = s / A[i * w + i];
  }
  let mean = 0;
  for (let r = 0; r < m; r++) mean += y[r];
  mean /= m;
  let ssTot = 0;
  let ssRes = 0;
  for (let r = 0; r < m; r++) {
    let fitted = A[p];
    for (let j = 1; j < p; j++) fitted += A[j * w + p] * x[r * k + j - 1];
    ssRes += (y[r] - fitted) ** 2;
    ssTot += (y[r] - mean) ** 2;
  }
  if (!(ssTot > 0)) return Number.NaN;
  return 1 - ssRes / ssTot;
}
