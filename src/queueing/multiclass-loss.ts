/**
 * A multi-class loss station on the kernel: a pool of C capacity units shared by classes
 * of requests, class k arriving from its own inter-arrival distribution, holding b_k units
 * for a service time from its own distribution, with optional trunk reservation t_k: a
 * class-k arrival is admitted only if occupancy + b_k <= C - t_k, and is lost otherwise
 * (no waiting room). With t = 0 this is complete sharing.
 *
 * It is the discrete-event counterpart of the Kaufman-Roberts model (src/plan/
 * kaufman-roberts.ts): the consolidated hosts of the planner, whose CPU is modelled as the
 * work-conserving shared pool that model assumes (any idle unit serves any class, as an
 * uncapped Xen credit scheduler lets one VM use another's idle share). It checks the
 * analytic losses, and measures where they are only approximate (trunk reservation with
 * mixed widths or rates).
 *
 * Hot path (benchmarked through the planner's simulation check): arrivals and departures
 * are two long-lived handlers whose integer argument is the class; the admission test is
 * one comparison against a precomputed per-class limit; counters are typed arrays. Nothing
 * is allocated per request.
 */
import type { Distribution } from "../kernel/distributions.js";
import type { Kernel } from "../kernel/kernel.js";
import { TimeWeighted } from "../kernel/time-weighted.js";

export interface LossClassConfig {
  name: string;
  interarrival: Distribution;
  service: Distribution;
  /** Units one request holds (b), a whole number >= 1. */
  units: number;
  /** Units that must stay free after admitting this class (t), >= 0. */
  reserve: number;
}

export interface MultiClassLossConfig {
  name: string;
  /** Capacity units of the pool (C). */
  capacity: number;
  classes: readonly LossClassConfig[];
}

export class MultiClassLossPool {
  /** Per-class counters since the last reset. */
  readonly arrivals: Float64Array;
  readonly lost: Float64Array;
  /** Requests of each class in service now. */
  readonly inService: Int32Array;
  /** Units in use, time-weighted. */
  readonly busyUnits: TimeWeighted;
  private occupied = 0;
  /** Admit class k iff occupied <= limit[k] = C - t_k - b_k. */
  private readonly limit: Int32Array;
  private readonly units: Int32Array;
  private readonly onArrival = (k: Kernel, cls: number): void => this.arrive(k, cls);
  private readonly onDeparture = (k: Kernel, cls: number): void => this.depart(k, cls);

  constructor(
    private readonly k: Kernel,
    readonly config: MultiClassLossConfig,
  ) {
    const n = config.classes.length;
    if (!Number.isInteger(config.capacity) || config.capacity < 0)
      throw new RangeError(`${config.name}: capacity must be a whole number >= 0, got ${config.capacity}`);
    for (const c of config.classes) {
      if (!Number.isInteger(c.units) || c.units < 1)
        throw new RangeError(`${c.name}: units must be a whole number >= 1`);
      if (!Number.isInteger(c.reserve) || c.reserve < 0)
        throw new RangeError(`${c.name}: reserve must be >= 0`);
    }
    this.arrivals = new Float64Array(n);
    this.lost = new Float64Array(n);
    this.inService = new Int32Array(n);
    this.units = Int32Array.from(config.classes, (c) => c.units);
    this.limit = Int32Array.from(config.classes, (c) => config.capacity - c.reserve - c.units);
    this.busyUnits = new TimeWeighted(k.now, 0);
  }

  /** Schedules every class's first arrival. */
  start(): void {
    this.config.classes.forEach((c, cls) => {
      this.k.at(c.interarrival.sample(), this.onArrival, cls);
    });
  }

  /** Units in use now. */
  get occupancy(): number {
    return this.occupied;
  }

  private arrive(k: Kernel, cls: number): void {
    const c = this.config.classes[cls];
    k.at(c.interarrival.sample(), this.onArrival, cls);
    this.arrivals[cls]++;
    if (this.occupied > this.limit[cls]) {
      this.lost[cls]++;
      return;
    }
    this.occupied += this.units[cls];
    this.inService[cls]++;
    this.busyUnits.set(k.now, this.occupied);
    k.at(c.service.sample(), this.onDeparture, cls);
  }

  private depart(k: Kernel, cls: number): void {
    this.occupied -= this.units[cls];
    this.inService[cls]--;
    this.busyUnits.set(k.now, this.occupied);
  }

  /** End of warm-up: forget the counters, keep the requests in service. */
  resetStats(now: number): void {
    this.arrivals.fill(0);
    this.lost.fill(0);
    this.busyUnits.reset(now);
  }
}
