/**
 * Streaming summary of a sample: count, sum, min, max, and mean and variance by
 * Welford's update (numerically stable: no catastrophic cancellation of sum of squares).
 * Constant memory; `merge` combines two summaries exactly (Chan et al.'s parallel form).
 */
export class Summary {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  private m = 0;
  private m2 = 0;

  /** Hot path: a few flops, no allocation. */
  add(x: number): void {
    this.count++;
    this.sum += x;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    const d = x - this.m;
    this.m += d / this.count;
    this.m2 += d * (x - this.m);
  }

  get mean(): number {
    return this.count > 0 ? this.m : Number.NaN;
  }

  /** Sample variance (n - 1 in the denominator). */
  get variance(): number {
    return this.count > 1 ? this.m2 / (this.count - 1) : Number.NaN;
  }

  get stddev(): number {
    return Math.sqrt(this.variance);
  }

  merge(o: Summary): void {
    if (o.count === 0) return;
    if (this.count === 0) {
      Object.assign(this, { count: o.count, sum: o.sum, min: o.min, max: o.max, m: o.m, m2: o.m2 });
      return;
    }
    const n = this.count + o.count;
    const d = o.m - this.m;
    this.m2 += o.m2 + (d * d * this.count * o.count) / n;
    this.m += (d * o.count) / n;
    this.count = n;
    this.sum += o.sum;
    this.min = Math.min(this.min, o.min);
    this.max = Math.max(this.max, o.max);
  }

  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.m = 0;
    this.m2 = 0;
  }
}
