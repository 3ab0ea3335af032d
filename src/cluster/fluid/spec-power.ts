/**
 * Host power as a function of CPU utilisation, from SPECpower_ssj2008 measurements: the
 * power at 0%, 10%, ..., 100% load, linearly interpolated in between. This is CloudSim's
 * `PowerModelSpecPower` (org.cloudbus.cloudsim.power.models), which Beloglazov and Buyya
 * (CCPE 2012, section 7.1) use for their two host types.
 *
 * Design: the table is 11 watts values; `power(u)` finds the 10%-wide segment and
 * interpolates. CloudSim throws for u outside [0, 1]; a fluid host can read a hair above
 * 1 from rounding, so u is clamped to [0, 1] (callers count real overcommit themselves).
 * Invariant: power(k / 10) === watts[k] exactly for k = 0..10.
 */

/** Number of points in a SPECpower table: 0%, 10%, ..., 100%. */
export const SPEC_POWER_POINTS = 11;

export class SpecPowerModel {
  private readonly w: Float64Array;

  /** @param watts power in W at 0, 10, ..., 100 % utilisation (11 values, non-decreasing is not required). */
  constructor(
    readonly name: string,
    watts: readonly number[],
  ) {
    if (watts.length !== SPEC_POWER_POINTS) {
      throw new RangeError(`${name}: a SPECpower table has ${SPEC_POWER_POINTS} points, got ${watts.length}`);
    }
    for (const x of watts)
      if (!(x >= 0 && Number.isFinite(x))) throw new RangeError(`${name}: bad watts ${x}`);
    this.w = Float64Array.from(watts);
  }

  /** Power in W at utilisation u (fraction of the host's total MIPS). Hot path: `cluster.planetlab`. */
  power(u: number): number {
    if (!(u > 0)) return this.w[0];
    if (u >= 1) return this.w[10];
    const x = u * 10;
    const i = Math.floor(x);
    const lo = this.w[i];
    return lo + (this.w[i + 1] - lo) * (x - i);
  }

  /** Power at full load (W). */
  get maxPower(): number {
    return this.w[10];
  }

  /** Power when idle but on (W). */
  get idlePower(): number {
    return this.w[0];
  }

  /** The table, for reports. */
  table(): number[] {
    return Array.from(this.w);
  }
}

/**
 * Energy over a period in which utilisation moved from `uFrom` to `uTo`, taking power as
 * varying linearly between the two end points (the trapezoid rule), as CloudSim's
 * `PowerHost.getEnergyLinearInterpolation` does. A host that was at exactly 0 at the start
 * counts as switched off for the whole period: 0 J (CloudSim models no boot time or energy).
 * @returns joules
 */
export function energyLinearInterpolation(
  model: SpecPowerModel,
  uFrom: number,
  uTo: number,
  seconds: number,
): number {
  if (uFrom === 0) return 0;
  const p0 = model.power(uFrom);
  const p1 = model.power(uTo);
  return (p0 + (p1 - p0) / 2) * seconds;
}
