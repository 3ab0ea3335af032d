/**
 * Host power as a function of CPU utilisation, for the planner's power comparison
 * (seed-talks T16, mechanism 3: "Power = sum over hosts of P(u_host), using Xen-host power
 * constants for the consolidated case and native-Linux constants for the dedicated case").
 *
 * Two forms:
 * - linear: P(u) = P_idle + (P_peak - P_idle) u, the model of the talk's calibration check;
 * - table: watts at 0, 10, ..., 100% load, as SPECpower_ssj2008 results publish them,
 *   linearly interpolated between the points exactly as CloudSim's
 *   PowerModelSpecPower.getPower does (datacenter-sim.md 1.3): the table value when u is a
 *   multiple of 0.1, else P[floor(10u)] + (P[ceil(10u)] - P[floor(10u)]) * (10u - floor(10u)).
 * An idle scale s derives a Xen-host profile from a native one when only the idle draw was
 * measured ("an idle Xen host consumed 9% less", the Xen Summit abstract): the whole curve
 * moves down by the idle saving, P'(u) = P(u) - (1 - s) P(0), keeping the dynamic range
 * P(1) - P(0). This is the form of the talk's calibration check (seed-talks T16, 4:
 * consolidated power 2 (0.546 + 0.4 x 0.51) Pmax with Pidle = 0.6 Pmax and s = 0.91).
 */
import type { PowerSpec } from "./plan-types.js";

export interface PowerModel {
  /** Watts drawn at utilisation u in [0, 1]. */
  watts(u: number): number;
  /** A one-line description for reports: "linear 168-280 W". */
  readonly label: string;
}

/** Number of points of a SPECpower-style table: 0%, 10%, ..., 100%. */
export const POWER_TABLE_POINTS = 11;

export class LinearPower implements PowerModel {
  readonly label: string;
  constructor(
    readonly idle: number,
    readonly peak: number,
  ) {
    if (!(idle >= 0 && peak >= idle))
      throw new RangeError(`linear power needs 0 <= idle <= peak, got ${idle}, ${peak}`);
    this.label = `linear ${fmtW(idle)}-${fmtW(peak)} W`;
  }
  watts(u: number): number {
    checkUtilisation(u);
    return this.idle + (this.peak - this.idle) * u;
  }
}

export class TablePower implements PowerModel {
  readonly label: string;
  private readonly points: Float64Array;
  constructor(points: readonly number[], name = "table") {
    if (points.length !== POWER_TABLE_POINTS)
      throw new RangeError(`a power table has ${POWER_TABLE_POINTS} points (0%..100%), got ${points.length}`);
    if (points.some((w) => !(w >= 0) || !Number.isFinite(w)))
      throw new RangeError("power table watts must be >= 0");
    this.points = Float64Array.from(points);
    this.label = `${name} ${fmtW(points[0])}-${fmtW(points[POWER_TABLE_POINTS - 1])} W`;
  }
  /** CloudSim PowerModelSpecPower.getPower. */
  watts(u: number): number {
    checkUtilisation(u);
    const x = u * 10;
    const lo = Math.floor(x);
    if (lo === x) return this.points[lo];
    const hi = Math.ceil(x);
    return this.points[lo] + (this.points[hi] - this.points[lo]) * (x - lo);
  }
}

/** A native profile moved down by its idle saving (Xen-host derivation, see the header). */
export class IdleScaledPower implements PowerModel {
  readonly label: string;
  private readonly idleCut: number;
  constructor(
    private readonly base: PowerModel,
    readonly idleScale: number,
  ) {
    if (!(idleScale > 0 && idleScale <= 1.5))
      throw new RangeError(`idle scale must be in (0, 1.5], got ${idleScale}`);
    this.idleCut = (1 - idleScale) * base.watts(0);
    this.label = `${base.label}, idle x${idleScale}`;
  }
  watts(u: number): number {
    return this.base.watts(u) - this.idleCut;
  }
}

function checkUtilisation(u: number): void {
  // A tolerance for round-off in utilisations computed as ratios.
  if (!(u >= -1e-9 && u <= 1 + 1e-9)) throw new RangeError(`utilisation must be in [0, 1], got ${u}`);
}

function fmtW(w: number): string {
  return String(Number(w.toPrecision(4)));
}

/** The model a plan's power profile describes. */
export function buildPowerModel(spec: PowerSpec): PowerModel {
  const base =
    spec.kind === "linear" ? new LinearPower(spec.idle, spec.peak) : new TablePower(spec.watts, spec.name);
  return spec.idleScale === null ? base : new IdleScaledPower(base, spec.idleScale);
}
