/**
 * One round of dynamic VM consolidation (Beloglazov and Buyya, CCPE 2012, section 6 and
 * Algorithm 1; CloudSim `PowerVmAllocationPolicyMigrationAbstract.optimizeAllocation`), run
 * at every scheduling interval on a tentative copy of the allocation:
 *
 *  1. overloaded hosts: every host the detector flags;
 *  2. from each (in host order) take VMs with the selection policy until it is no longer
 *     overloaded;
 *  3. place those VMs, largest demand first, with PABFD, never back on an overloaded host;
 *  4. under-load step: repeatedly take the least utilised host (0 < u < 1 at the last
 *     update, not overloaded, not switched off, not yet tried or used as a target by this
 *     step) and try to move all its VMs to the other active hosts with PABFD; if one VM finds
 *     no host, that host's moves are cancelled; a host that empties is switched off when its
 *     VMs have left;
 *  5. return the migrations; the caller starts them on the real allocation.
 *
 * CloudSim details kept: targets chosen in step 3 may still be picked as under-loaded in
 * step 4 (its exclusion set is built from an empty list); a host drained in step 4 keeps its
 * VMs in the tentative plan (they are only added elsewhere); the under-load choice uses the
 * utilisation of the last update, not the tentative one. A VM may therefore appear twice in
 * the result; it then migrates twice, as in CloudSim.
 */
import type { FluidDatacenter } from "../fluid/fluid-datacenter.js";
import type { OverloadDetector } from "./overload-detection.js";
import { type DemandOf, Placer, PlanState } from "./pabfd-placement.js";
import type { VmSelector } from "./vm-selection.js";

export interface Migration {
  vm: number;
  target: number;
}

export interface RoundStats {
  overloaded: number;
  fromOverloaded: number;
  fromUnderloaded: number;
  underloadedDrained: number;
}

export class ConsolidationRound {
  private readonly plan: PlanState;
  private readonly placer: Placer;
  private readonly excludedPlace: Uint8Array;
  private readonly excludedUnder: Uint8Array;
  private readonly overloaded: number[] = [];
  private readonly toMigrate: number[] = [];
  private readonly demandNow: DemandOf;
  readonly stats: RoundStats = {
    overloaded: 0,
    fromOverloaded: 0,
    fromUnderloaded: 0,
    underloadedDrained: 0,
  };

  constructor(
    private readonly dc: FluidDatacenter,
    private readonly detector: OverloadDetector,
    private readonly selector: VmSelector,
  ) {
    this.plan = new PlanState(dc);
    this.placer = new Placer(dc, this.plan, detector);
    this.excludedPlace = new Uint8Array(dc.hosts);
    this.excludedUnder = new Uint8Array(dc.hosts);
    this.demandNow = (v) => dc.demand[v];
  }

  /** Decides this interval's migrations from the data centre's state just after its update. */
  run(): Migration[] {
    const dc = this.dc;
    const plan = this.plan;
    plan.reset();
    this.placer.beginRound();
    this.excludedPlace.fill(0);
    const overloaded = this.overloaded;
    overloaded.length = 0;
    for (let h = 0; h < dc.hosts; h++) {
      if (plan.lists[h].length > 0 && this.detector.isOverloaded(h, plan.lists[h], -1, plan.stamp[h])) {
        overloaded.push(h);
        this.excludedPlace[h] = 1;
      }
    }
    this.stats.overloaded += overloaded.length;
    const toMigrate = this.toMigrate;
    toMigrate.length = 0;
    for (const h of overloaded) {
      for (;;) {
        const v = this.selector.select(plan.lists[h]);
        if (v < 0) break;
        toMigrate.push(v);
        plan.remove(h, v);
        if (!this.detector.isOverloaded(h, plan.lists[h], -1, plan.stamp[h])) break;
      }
    }
    const migrations: Migration[] = [];
    sortByDemandDescending(toMigrate, dc.demand);
    for (const v of toMigrate) {
      const target = this.placer.findHost(v, this.excludedPlace, this.demandNow);
      if (target < 0) continue;
      plan.add(target, v);
      migrations.push({ vm: v, target });
    }
    this.stats.fromOverloaded += migrations.length;
    const before = migrations.length;
    this.underloadStep(migrations);
    this.stats.fromUnderloaded += migrations.length - before;
    return migrations;
  }

  private underloadStep(migrations: Migration[]): void {
    const dc = this.dc;
    const plan = this.plan;
    const exU = this.excludedUnder;
    const exP = this.excludedPlace;
    let excludedCount = 0;
    exU.fill(0);
    for (let h = 0; h < dc.hosts; h++) {
      const off = dc.utilMips[h] === 0;
      if (off) exP[h] = 1;
      if (exP[h]) {
        exU[h] = 1;
        excludedCount++;
      }
    }
    const moved: number[] = [];
    while (excludedCount < dc.hosts) {
      const h = this.leastUtilised();
      if (h < 0) break;
      exU[h] = 1;
      exP[h] = 1;
      excludedCount++;
      moved.length = 0;
      for (const e of plan.lists[h]) if (e >= 0 && !dc.inMigration[e]) moved.push(e);
      if (moved.length === 0) continue;
      sortByDemandDescending(moved, dc.demand);
      const start = migrations.length;
      let ok = true;
      for (const v of moved) {
        const target = this.placer.findHost(v, exP, this.demandNow);
        if (target < 0) {
          ok = false;
          break;
        }
        plan.add(target, v);
        migrations.push({ vm: v, target });
      }
      if (!ok) {
        for (let i = migrations.length - 1; i >= start; i--)
          plan.remove(migrations[i].target, migrations[i].vm);
        migrations.length = start;
        continue;
      }
      this.stats.underloadedDrained++;
      for (let i = start; i < migrations.length; i++) {
        const t = migrations[i].target;
        if (!exU[t]) {
          exU[t] = 1;
          excludedCount++;
        }
      }
    }
  }

  /** CloudSim `getUnderUtilizedHost`: least utilised host with 0 < u < 1 not excluded. */
  private leastUtilised(): number {
    const dc = this.dc;
    let best = -1;
    let min = 1;
    for (let h = 0; h < dc.hosts; h++) {
      if (this.excludedUnder[h]) continue;
      const u = dc.utilMips[h] / dc.capacity[h];
      if (u > 0 && u < min && !this.allMigratingOutOrAnyIn(h)) {
        min = u;
        best = h;
      }
    }
    return best;
  }

  /** CloudSim `areAllVmsMigratingOutOrAnyVmMigratingIn`, with its early exit kept. */
  private allMigratingOutOrAnyIn(h: number): boolean {
    for (const e of this.plan.lists[h]) {
      if (e >= 0 && !this.dc.inMigration[e]) return false;
      if (e < 0) return true;
    }
    return true;
  }
}

/** Stable sort by demand, largest first (CloudSim `PowerVmList.sortByCpuUtilization`). */
function sortByDemandDescending(vms: number[], demand: Float64Array): void {
  for (let i = 1; i < vms.length; i++) {
    const v = vms[i];
    const d = demand[v];
    let j = i - 1;
    while (j >= 0 && demand[vms[j]] < d) {
      vms[j + 1] = vms[j];
      j--;
    }
    vms[j + 1] = v;
  }
}
