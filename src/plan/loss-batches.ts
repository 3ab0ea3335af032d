/**
 * Confidence intervals for loss probabilities measured by simulation: the ratio of lost to
 * offered requests over B equal time batches after the warm-up.
 *
 * Design. With per-batch counts (l_b, a_b), the estimate is p = sum l_b / sum a_b and its
 * 95% half-width is the classical ratio-estimator interval over batch means (Law and
 * Kelton, Simulation Modeling and Analysis, 9.5.3 for batch means; the delta method for
 * the ratio): with residuals d_b = l_b - p a_b,
 *   half-width = t(0.975, B - 1) * sqrt(sum d_b^2 / (B - 1)) / (sqrt(B) * mean a_b).
 * Long batches make the batch counts nearly independent even though losses cluster in
 * time (a full system loses several arrivals in a row). When nothing was lost the
 * interval is the one-sided "rule of three": p < 3 / sum a_b with 95% confidence.
 */
import { studentT975 } from "../kernel/batch-means.js";

export interface LossEstimate {
  loss: number;
  /** Half-width of the 95% interval (or the rule-of-three upper bound when lost = 0). */
  halfWidth: number;
  arrivals: number;
  lost: number;
  batches: number;
}

export class LossBatches {
  private readonly arr: Float64Array;
  private readonly lost: Float64Array;
  private filled = 0;

  constructor(
    readonly classes: number,
    readonly batches: number,
  ) {
    if (!Number.isInteger(batches) || batches < 2)
      throw new RangeError(`need at least 2 batches, got ${batches}`);
    this.arr = new Float64Array(classes * batches);
    this.lost = new Float64Array(classes * batches);
  }

  /** Records one batch: arrivals and losses per class during it. */
  record(arrivals: ArrayLike<number>, lost: ArrayLike<number>): void {
    if (this.filled >= this.batches) throw new RangeError("all batches are already recorded");
    const o = this.filled * this.classes;
    for (let k = 0; k < this.classes; k++) {
      this.arr[o + k] = arrivals[k];
      this.lost[o + k] = lost[k];
    }
    this.filled++;
  }

  get recorded(): number {
    return this.filled;
  }

  estimate(k: number): LossEstimate {
    const b = this.filled;
    let a = 0;
    let l = 0;
    for (let i = 0; i < b; i++) {
      a += this.arr[i * this.classes + k];
      l += this.lost[i * this.classes + k];
    }
    if (a === 0) return { loss: Number.NaN, halfWidth: Number.NaN, arrivals: 0, lost: 0, batches: b };
    const p = l / a;
    if (l === 0) return { loss: 0, halfWidth: 3 / a, arrivals: a, lost: 0, batches: b };
    let ss = 0;
    for (let i = 0; i < b; i++) {
      const d = this.lost[i * this.classes + k] - p * this.arr[i * this.classes + k];
      ss += d * d;
    }
    const meanA = a / b;
    const halfWidth =
      b < 2 ? Number.NaN : (studentT975(b - 1) * Math.sqrt(ss / (b - 1))) / (Math.sqrt(b) * meanA);
    return { loss: p, halfWidth, arrivals: a, lost: l, batches: b };
  }
}
