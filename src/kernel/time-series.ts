/**
 * A time series at a fixed period with bounded memory. Each point is the mean of the
 * quantity over its period (the caller supplies period means, for instance from a
 * TimeWeighted integral), so when the buffer is full, merging neighbours into one point
 * of twice the period is exact, not an approximation. Memory stays under `maxPoints`
 * however long the run.
 */
export class TimeSeries {
  private values: Float64Array;
  private n = 0;
  /** Pending half of a pair while the period is being doubled. */
  private carry = 0;
  private carrySpan = 0;

  constructor(
    readonly name: string,
    readonly unit: string,
    private periodNs: number,
    private readonly startNs = 0,
    private readonly maxPoints = 1024,
  ) {
    if (maxPoints < 2 || maxPoints % 2 !== 0) throw new RangeError("maxPoints must be even and >= 2");
    this.values = new Float64Array(maxPoints);
  }

  get period(): number {
    return this.periodNs;
  }

  get length(): number {
    return this.n;
  }

  /**
   * Appends the mean over the next base period. After decimation one stored point spans
   * several base periods; incoming base-period means are averaged until a point fills.
   * The buffer is halved as soon as it fills, so a stored point never mixes periods.
   */
  push(mean: number, basePeriod: number): void {
    this.carry += mean;
    this.carrySpan++;
    if (this.carrySpan * basePeriod < this.periodNs) return;
    this.values[this.n++] = this.carry / this.carrySpan;
    this.carry = 0;
    this.carrySpan = 0;
    if (this.n === this.maxPoints) this.decimate();
  }

  /** Halves the resolution: each pair of points becomes their mean. */
  private decimate(): void {
    const half = this.n / 2;
    for (let i = 0; i < half; i++) this.values[i] = (this.values[2 * i] + this.values[2 * i + 1]) / 2;
    this.n = half;
    this.periodNs *= 2;
  }

  /** Points as [time at the end of each period in seconds, mean value]. */
  points(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.n; i++)
      out.push([(this.startNs + (i + 1) * this.periodNs) / 1e9, this.values[i]]);
    return out;
  }
}

/**
 * Samples a TimeWeighted-like source every `period` ns and records the mean over each
 * period into a TimeSeries.
 */
export interface Integrable {
  integral(now: number): number;
}

export class PeriodMeanSampler {
  private last = 0;
  constructor(
    readonly source: Integrable,
    readonly series: TimeSeries,
    private readonly basePeriod: number,
    now: number,
  ) {
    this.last = source.integral(now);
  }

  /** Called at the end of every base period. */
  sample(now: number): void {
    const integral = this.source.integral(now);
    this.series.push((integral - this.last) / this.basePeriod, this.basePeriod);
    this.last = integral;
  }
}
