/**
 * Time-weighted average of a piecewise-constant quantity (utilisation, queue length,
 * runqueue depth): the integral of the value over time divided by the time observed.
 * Call `set` whenever the value changes; the value holds until the next change.
 */
export class TimeWeighted {
  private value: number;
  private since: number;
  private start: number;
  private area = 0;
  max: number;

  constructor(now: number, initial = 0) {
    this.value = initial;
    this.since = now;
    this.start = now;
    this.max = initial;
  }

  /** Hot path: the value changes to `v` at time `now`. */
  set(now: number, v: number): void {
    this.area += this.value * (now - this.since);
    this.since = now;
    this.value = v;
    if (v > this.max) this.max = v;
  }

  add(now: number, dv: number): void {
    this.set(now, this.value + dv);
  }

  get current(): number {
    return this.value;
  }

  /** Integral of the value from the start (or last reset) to `now`. */
  integral(now: number): number {
    return this.area + this.value * (now - this.since);
  }

  /** Time-weighted mean from the start (or last reset) to `now`; the current value if no time passed. */
  mean(now: number): number {
    const span = now - this.start;
    return span > 0 ? this.integral(now) / span : this.value;
  }

  /** Forgets the history (end of warm-up); keeps the current value. */
  reset(now: number): void {
    this.area = 0;
    this.since = now;
    this.start = now;
    this.max = this.value;
  }
}
