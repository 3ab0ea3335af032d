/**
 * A log-bucket histogram for percentiles of non-negative values (latencies, sizes),
 * with a stated relative error and constant memory.
 *
 * Design (as in DDSketch, Masson et al. 2019): with gamma = (1 + a) / (1 - a), bucket i
 * holds values in (gamma^(i-1), gamma^i]. Reporting a bucket by 2 gamma^i / (gamma + 1)
 * is within a relative error a of every value in it, so any percentile is within a of
 * the exact sample percentile (the value of rank ceil(q n) in sorted order). Zero is
 * counted in its own exact bucket; positive values below `min` share the lowest bucket,
 * values above `max` are clamped into the highest, and both are counted so a report can
 * say so. The estimate is also clamped to the exact min and max seen.
 *
 * Size: with a = 1% and [1, 1e15] (1 ns to 11 days) there are 1,728 buckets (14 KiB).
 */
export interface HistogramOptions {
  /** Relative accuracy a, 0 < a < 1 (default 0.01: 1%). */
  relativeError?: number;
  /** Smallest positive value resolved (default 1). */
  min?: number;
  /** Largest value resolved (default 1e15). */
  max?: number;
}

export class LogHistogram {
  readonly relativeError: number;
  readonly gamma: number;
  private readonly invLogGamma: number;
  private readonly offset: number;
  private readonly counts: Float64Array;
  private readonly minValue: number;
  private readonly maxValue: number;
  zeros = 0;
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /** Values outside [min, max] that were clamped into the end buckets. */
  clamped = 0;

  constructor(opts: HistogramOptions = {}) {
    const a = opts.relativeError ?? 0.01;
    if (!(a > 0 && a < 1)) throw new RangeError(`relative error must be in (0, 1), got ${a}`);
    this.relativeError = a;
    this.gamma = (1 + a) / (1 - a);
    this.invLogGamma = 1 / Math.log(this.gamma);
    this.minValue = opts.min ?? 1;
    this.maxValue = opts.max ?? 1e15;
    this.offset = this.rawIndex(this.minValue);
    this.counts = new Float64Array(this.rawIndex(this.maxValue) - this.offset + 1);
  }

  private rawIndex(x: number): number {
    return Math.ceil(Math.log(x) * this.invLogGamma);
  }

  /** Records a value. Hot path: one log, no allocation. */
  add(x: number, times = 1): void {
    if (!(x >= 0)) throw new RangeError(`histogram value must be >= 0, got ${x}`);
    this.count += times;
    this.sum += x * times;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    if (x === 0) {
      this.zeros += times;
      return;
    }
    let i = this.rawIndex(x) - this.offset;
    if (i < 0 || i >= this.counts.length) {
      this.clamped += times;
      i = i < 0 ? 0 : this.counts.length - 1;
    }
    this.counts[i] += times;
  }

  get mean(): number {
    return this.count > 0 ? this.sum / this.count : Number.NaN;
  }

  /** The q-quantile (0 <= q <= 1) within the relative error; NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    if (q <= 0) return this.min;
    if (q >= 1) return this.max;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = this.zeros;
    if (seen >= rank) return 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= rank) return this.clamp(this.bucketValue(i));
    }
    return this.max;
  }

  private bucketValue(i: number): number {
    return (2 * this.gamma ** (i + this.offset)) / (this.gamma + 1);
  }

  private clamp(v: number): number {
    return Math.min(this.max, Math.max(this.min, v));
  }

  /** The empirical CDF as (value, fraction <= value) points, one per non-empty bucket. */
  cdf(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    if (this.count === 0) return out;
    let seen = this.zeros;
    if (seen > 0) out.push([0, seen / this.count]);
    for (let i = 0; i < this.counts.length; i++) {
      if (this.counts[i] === 0) continue;
      seen += this.counts[i];
      out.push([this.clamp(this.bucketValue(i)), seen / this.count]);
    }
    return out;
  }

  /** Adds another histogram with the same parameters. */
  merge(o: LogHistogram): void {
    if (o.gamma !== this.gamma || o.offset !== this.offset || o.counts.length !== this.counts.length) {
      throw new RangeError("cannot merge histograms with different parameters");
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += o.counts[i];
    this.zeros += o.zeros;
    this.count += o.count;
    this.sum += o.sum;
    this.clamped += o.clamped;
    this.min = Math.min(this.min, o.min);
    this.max = Math.max(this.max, o.max);
  }

  reset(): void {
    this.counts.fill(0);
    this.zeros = 0;
    this.count = 0;
    this.sum = 0;
    this.clamped = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
  }
}
