/**
 * A data centre under dynamic consolidation, driven by the kernel: the experiment of
 * Beloglazov and Buyya (CCPE 2012, section 7) on the fluid tier.
 *
 * Events, and nothing in between (cost grows with events, not simulated time):
 * - time 0: initial placement (PABFD, or first fit for the DVFS/NPA benchmarks);
 * - every interval (300 s): update demands and shares and account the interval, then (for
 *   migrating policies) run one consolidation round and start its migrations;
 * - each migration's end, memory / (half the bandwidth) later: account up to that instant,
 *   move the VM, recompute shares. Migrations of one round that end at the same instant are
 *   one event, in the round's order.
 * The last interval boundary (the end of the run) only accounts; it starts no migration.
 *
 * Allocation policies: `migrate` (the paper's detector x selection combinations), `dvfs`
 * (no migration, power follows load: the paper's DVFS benchmark) and `npa` (no migration,
 * every host at full power: the paper's NPA benchmark).
 */
import type { Kernel, Timer } from "../../kernel/kernel.js";
import type { Rng } from "../../kernel/rng.js";
import type { FluidDatacenter } from "../fluid/fluid-datacenter.js";
import { ConsolidationRound, type Migration, type RoundStats } from "./consolidation-round.js";
import { type OverloadConfig, OverloadDetector } from "./overload-detection.js";
import { placeInitially } from "./pabfd-placement.js";
import { type VmSelectionName, VmSelector } from "./vm-selection.js";

export const ALLOCATION_POLICIES = ["migrate", "dvfs", "npa"] as const;
export type AllocationPolicy = (typeof ALLOCATION_POLICIES)[number];

export interface ConsolidationPolicy {
  allocation: AllocationPolicy;
  overload: Omit<OverloadConfig, "intervalSeconds">;
  selection: VmSelectionName;
}

/** One point of the day's time series, taken after each interval's decisions. */
export interface IntervalSample {
  timeS: number;
  activeHosts: number;
  powerW: number;
  migrationsStarted: number;
}

const NS = 1e9;

export class DatacenterSim {
  readonly samples: IntervalSample[] = [];
  unplaced: number[] = [];
  private readonly round: ConsolidationRound | null;
  private tick: Timer | null = null;
  private readonly batches: Migration[][] = [];
  private readonly freeBatches: number[] = [];

  constructor(
    readonly dc: FluidDatacenter,
    readonly policy: ConsolidationPolicy,
    readonly intervalNs: number,
    readonly durationNs: number,
    selectionRng: Rng,
  ) {
    if (!(intervalNs > 0 && durationNs > 0)) throw new RangeError("interval and duration must be > 0");
    if (policy.allocation === "migrate") {
      const detector = new OverloadDetector(dc, { ...policy.overload, intervalSeconds: intervalNs / NS });
      const selector = new VmSelector(dc, policy.selection, selectionRng);
      this.round = new ConsolidationRound(dc, detector, selector);
    } else {
      this.round = null;
    }
  }

  get roundStats(): RoundStats | null {
    return this.round?.stats ?? null;
  }

  /** Places the VMs (time 0) and arms the interval ticks. */
  start(k: Kernel): void {
    this.unplaced = placeInitially(this.dc, this.policy.allocation === "migrate" ? "pabfd" : "first-fit");
    this.tick = k.timer(this.onTick);
    this.tick.setAt(Math.min(this.intervalNs, this.durationNs));
  }

  /** Accounts up to `now` (end of run, or end of a warm-up's measured span). */
  finish(now: number): void {
    this.dc.finish(now);
  }

  private readonly onTick = (k: Kernel): void => {
    const t = k.now;
    const dc = this.dc;
    dc.update(t);
    let started = 0;
    const last = t >= this.durationNs;
    if (this.round !== null && !last) {
      const migrations = this.round.run();
      started = migrations.length;
      if (started > 0) this.startMigrations(k, migrations);
    }
    this.samples.push({
      timeS: t / NS,
      activeHosts: dc.activeHosts(),
      powerW: dc.totalPower(),
      migrationsStarted: started,
    });
    if (!last) this.tick?.setAt(Math.min(t + this.intervalNs, this.durationNs));
  };

  /** Starts the round's migrations in order and groups their ends by instant. */
  private startMigrations(k: Kernel, migrations: Migration[]): void {
    const byEnd = new Map<number, number>();
    for (const m of migrations) {
      const seconds = this.dc.startMigration(m.vm, m.target);
      const end = k.now + Math.round(seconds * NS);
      let slot = byEnd.get(end);
      if (slot === undefined) {
        slot = this.allocBatch();
        byEnd.set(end, slot);
        k.atTime(end, this.onMigrationsEnd, slot);
      }
      this.batches[slot].push(m);
    }
  }

  private readonly onMigrationsEnd = (k: Kernel, slot: number): void => {
    const dc = this.dc;
    dc.update(k.now);
    const batch = this.batches[slot];
    for (const m of batch) dc.completeMigration(m.vm, m.target);
    dc.reallocateAll();
    batch.length = 0;
    this.freeBatches.push(slot);
  };

  private allocBatch(): number {
    const free = this.freeBatches.pop();
    if (free !== undefined) return free;
    this.batches.push([]);
    return this.batches.length - 1;
  }
}
