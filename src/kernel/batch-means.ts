/**
 * Confidence intervals for the mean of a correlated output sequence (response times of
 * successive customers) by the method of batch means, in constant memory.
 *
 * Design: observations fill batches of size b; when `maxBatches` batches are full, each
 * pair is merged (the mean of two equal-size batches is their mean) and b doubles. As
 * the run grows, batches grow, their means decorrelate, and the interval
 * mean +- t(0.975, B - 1) * s_B / sqrt(B) over the B complete batches becomes valid
 * (Law and Kelton, Simulation Modeling and Analysis, ch. 9.5.3). Fewer than 10 batches
 * give no interval.
 */
export class BatchMeans {
  private readonly means: Float64Array;
  private full = 0;
  private batchSize = 1;
  private current = 0;
  private inCurrent = 0;
  count = 0;

  constructor(private readonly maxBatches = 64) {
    if (maxBatches < 10 || maxBatches % 2 !== 0) throw new RangeError("maxBatches must be even and >= 10");
    this.means = new Float64Array(maxBatches);
  }

  /** Hot path: one add, one compare. */
  add(x: number): void {
    this.count++;
    this.current += x;
    if (++this.inCurrent < this.batchSize) return;
    this.means[this.full++] = this.current / this.batchSize;
    this.current = 0;
    this.inCurrent = 0;
    if (this.full === this.maxBatches) this.merge();
  }

  private merge(): void {
    const half = this.full / 2;
    for (let i = 0; i < half; i++) this.means[i] = (this.means[2 * i] + this.means[2 * i + 1]) / 2;
    this.full = half;
    this.batchSize *= 2;
  }

  reset(): void {
    this.full = 0;
    this.batchSize = 1;
    this.current = 0;
    this.inCurrent = 0;
    this.count = 0;
  }

  /** Mean over complete batches and the half-width of its 95% interval (NaN if < 10 batches). */
  interval(): { mean: number; halfWidth: number; batches: number } {
    const b = this.full;
    if (b === 0) return { mean: Number.NaN, halfWidth: Number.NaN, batches: 0 };
    let sum = 0;
    for (let i = 0; i < b; i++) sum += this.means[i];
    const mean = sum / b;
    if (b < 10) return { mean, halfWidth: Number.NaN, batches: b };
    let ss = 0;
    for (let i = 0; i < b; i++) ss += (this.means[i] - mean) ** 2;
    const s = Math.sqrt(ss / (b - 1));
    return { mean, halfWidth: (studentT975(b - 1) * s) / Math.sqrt(b), batches: b };
  }
}

/** Two-sided 95% Student t quantiles t(0.975, dof) from standard tables, dof 1..30 exact rows, then sparse. */
// biome-ignore format: a table reads better packed
const T975: Record<number, number> = {
  1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
  10: 2.228, 11: 2.201, 12: 2.179, 13: 2.16, 14: 2.145, 15: 2.131, 16: 2.12, 17: 2.11, 18: 2.101,
  19: 2.093, 20: 2.086, 21: 2.08, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.06, 26: 2.056, 27: 2.052,
  28: 2.048, 29: 2.045, 30: 2.042, 40: 2.021, 60: 2.0, 120: 1.98,
};

/** t(0.975, dof); between tabulated rows the lower row (slightly wider, never narrower). */
export function studentT975(dof: number): number {
  if (!(dof >= 1)) return Number.NaN;
  if (dof >= 120) return dof >= 1000 ? 1.962 : 1.98;
  let best = 1;
  for (const key of Object.keys(T975).map(Number)) if (key <= dof) best = key;
  return T975[best];
}
