/**
 * CPU-demand traces of VMs: one utilisation value (fraction of the VM's MIPS) per sample
 * period, linearly interpolated in between, as CloudSim's `UtilizationModelPlanetLabInMemory`
 * does for the PlanetLab workload (288 samples every 300 s, plus a copy of the last sample so
 * that t = 24 h is defined: 289 points).
 *
 * Design: all traces live in one Float64Array, row per VM, so a day of 1052 VMs is 2.4 MB
 * and reading a value is one multiply-add. Times are integer ns; at an exact sample time the
 * sample is returned as is (no interpolation error). Past the last point the last value holds.
 */

export class TraceSet {
  private readonly data: Float64Array;

  /**
   * @param vms number of traces
   * @param points samples per trace
   * @param period time between samples, ns
   */
  constructor(
    readonly vms: number,
    readonly points: number,
    readonly period: number,
  ) {
    if (!(Number.isInteger(vms) && vms >= 0 && Number.isInteger(points) && points >= 1 && period > 0)) {
      throw new RangeError(`bad trace set shape: ${vms} traces x ${points} points, period ${period} ns`);
    }
    this.data = new Float64Array(vms * points);
  }

  /** Builds a set from rows of fractions (each row one VM); rows shorter than `points` repeat their last value. */
  static fromRows(rows: readonly (readonly number[])[], period: number, points?: number): TraceSet {
    const n = points ?? Math.max(1, ...rows.map((r) => r.length));
    const set = new TraceSet(rows.length, n, period);
    rows.forEach((r, v) => {
      if (r.length === 0) throw new RangeError(`trace ${v} is empty`);
      for (let i = 0; i < n; i++) set.set(v, i, r[Math.min(i, r.length - 1)]);
    });
    return set;
  }

  set(vm: number, index: number, utilisation: number): void {
    if (!(utilisation >= 0 && utilisation <= 1)) {
      throw new RangeError(`trace ${vm} sample ${index}: utilisation ${utilisation} is outside [0, 1]`);
    }
    this.data[vm * this.points + index] = utilisation;
  }

  sample(vm: number, index: number): number {
    return this.data[vm * this.points + Math.min(index, this.points - 1)];
  }

  /** Utilisation of `vm` at time t (ns). Hot path: `cluster.planetlab`. */
  at(vm: number, t: number): number {
    const row = vm * this.points;
    const i = Math.floor(t / this.period);
    const last = this.points - 1;
    if (i >= last) return this.data[row + last];
    const rem = t - i * this.period;
    const u0 = this.data[row + i];
    if (rem === 0) return u0;
    return u0 + ((this.data[row + i + 1] - u0) * rem) / this.period;
  }

  /** Mean utilisation of a trace over its samples (for reports). */
  mean(vm: number): number {
    let s = 0;
    for (let i = 0; i < this.points; i++) s += this.data[vm * this.points + i];
    return s / this.points;
  }
}
