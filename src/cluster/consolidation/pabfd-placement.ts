/**
 * VM placement: power-aware best-fit decreasing (PABFD, Beloglazov and Buyya, CCPE 2012,
 * Algorithm 1; CloudSim `PowerVmAllocationPolicyMigrationAbstract.findHostForVm`) and the
 * first-fit placement of the non-migrating benchmarks (CloudSim `PowerVmAllocationPolicySimple`).
 *
 * PABFD places each VM on the host whose power grows least, P(u_after) - P(u_now), among
 * hosts that are not excluded, have room (a core big enough for the vCPU's demand, enough
 * unallocated MIPS, memory and bandwidth) and would not become overloaded - the overload
 * check is skipped for a host that was empty at the last update. Ties go to the first host.
 *
 * Like CloudSim, placement decides on a tentative copy of the allocation (`PlanState`):
 * member lists, memory and bandwidth change as VMs are tentatively moved, while the
 * utilisation a host had at the last update (`dc.utilMips`) stays as it was for the power
 * estimate, the "empty host" test and the choice of under-loaded hosts. Room is judged
 * against the host's unallocated MIPS recomputed from the tentative members' demands.
 *
 * Memory and bandwidth are checked at creation, and later only if the data centre reserves
 * them beyond boot (`FluidOptions.bootOnlyReservations`, false in CloudSim's experiment).
 *
 * Initial placement happens at time 0 with every VM asking for its full MIPS (CloudSim's
 * `Vm.isBeingInstantiated`), and every host still reads as empty: PABFD then puts each VM
 * where the power model's first step is cheapest, filling those hosts by capacity.
 */
import { entryVm, type FluidDatacenter, removeFromList } from "../fluid/fluid-datacenter.js";
import { MIGRATION_SOURCE_FACTOR } from "../fluid/share-policy.js";
import type { OverloadDetector } from "./overload-detection.js";

/** The tentative allocation one consolidation round works on. */
export class PlanState {
  readonly lists: number[][];
  readonly memoryUsed: Float64Array;
  readonly bandwidthUsed: Float64Array;
  /** A number that changes whenever host h's list changes (lets detectors cache per list). */
  readonly stamp: Float64Array;
  private stampCounter = 0;

  constructor(private readonly dc: FluidDatacenter) {
    this.lists = Array.from({ length: dc.hosts }, () => []);
    this.memoryUsed = new Float64Array(dc.hosts);
    this.bandwidthUsed = new Float64Array(dc.hosts);
    this.stamp = new Float64Array(dc.hosts);
  }

  /** Copies the data centre's current allocation (CloudSim `saveAllocation`). */
  reset(): void {
    const dc = this.dc;
    for (let h = 0; h < dc.hosts; h++) {
      const src = dc.members[h];
      const dst = this.lists[h];
      dst.length = src.length;
      for (let i = 0; i < src.length; i++) dst[i] = src[i];
      this.stamp[h] = ++this.stampCounter;
    }
    this.memoryUsed.set(dc.memoryUsed);
    this.bandwidthUsed.set(dc.bandwidthUsed);
  }

  add(h: number, v: number): void {
    this.lists[h].push(v);
    this.stamp[h] = ++this.stampCounter;
    this.memoryUsed[h] += this.dc.vmMemory[v];
    this.bandwidthUsed[h] += this.dc.vmBandwidth[v];
  }

  remove(h: number, v: number): void {
    if (!removeFromList(this.lists[h], v)) throw new Error(`plan: VM ${v} is not on host ${h}`);
    this.stamp[h] = ++this.stampCounter;
    this.memoryUsed[h] -= this.dc.vmMemory[v];
    this.bandwidthUsed[h] -= this.dc.vmBandwidth[v];
  }
}

/** What a VM asks for when it is placed: its demand now, or its full MIPS at creation. */
export type DemandOf = (v: number) => number;

export class Placer {
  /** Whether memory and bandwidth limit this placement (always at creation; later only without boot-only reservations). */
  private readonly reserve: boolean;
  /** Each host's power at its last-update utilisation (fixed during a round). */
  private readonly powerNow: Float64Array;

  constructor(
    private readonly dc: FluidDatacenter,
    private readonly plan: PlanState,
    private readonly detector: OverloadDetector | null,
    atCreation = false,
  ) {
    this.reserve = atCreation || !dc.options.bootOnlyReservations;
    this.powerNow = new Float64Array(dc.hosts);
  }

  /** Caches what stays fixed during a round: each host's power at its last-update utilisation. */
  beginRound(): void {
    const dc = this.dc;
    for (let h = 0; h < dc.hosts; h++)
      this.powerNow[h] = dc.power[h].power(staleUtil(dc.utilMips[h], dc.capacity[h]));
  }

  /**
   * MIPS a host has not allocated with the plan's members (CloudSim's `getAvailableMips`
   * after its scheduler re-allocates them): capacity - sum of demands capped at one core per
   * vCPU (an incoming copy counts 10%), or 0 if that sum exceeds the capacity.
   */
  availableMips(h: number, demandOf: DemandOf): number {
    const dc = this.dc;
    const list = this.plan.lists[h];
    const perVcpu = dc.coreMips[h];
    let sum = 0;
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      const v = entryVm(e);
      const capped = Math.min(demandOf(v), dc.vmVcpus[v] * perVcpu);
      sum += e < 0 ? capped * 0.1 : capped;
    }
    const cap = dc.capacity[h];
    return sum <= cap ? cap - sum : 0;
  }

  /** CloudSim `Host.isSuitableForVm`. */
  suitable(h: number, v: number, demandOf: DemandOf): boolean {
    const dc = this.dc;
    const d = demandOf(v);
    const vcpus = dc.vmVcpus[v];
    if (vcpus > dc.cores[h] || dc.coreMips[h] < d / vcpus) return false;
    if (this.reserve) {
      if (this.plan.memoryUsed[h] + dc.vmMemory[v] > dc.memory[h]) return false;
      if (this.plan.bandwidthUsed[h] + dc.vmBandwidth[v] > dc.bandwidth[h]) return false;
    }
    return this.availableMips(h, demandOf) >= d;
  }

  /**
   * PABFD's host for VM v (CloudSim `findHostForVm(vm, excludedHosts)`), or -1.
   * `staleEmpty` says every host reads as empty (initial placement at time 0).
   */
  findHost(v: number, excluded: Uint8Array, demandOf: DemandOf, staleEmpty = false): number {
    const dc = this.dc;
    const d = demandOf(v);
    let best = -1;
    let minDelta = Number.MAX_VALUE;
    for (let h = 0; h < dc.hosts; h++) {
      if (excluded[h]) continue;
      const util = staleEmpty ? 0 : dc.utilMips[h];
      const cap = dc.capacity[h];
      const model = dc.power[h];
      // CloudSim getMaxUtilizationAfterAllocation: last utilisation, plus incoming copies at
      // full demand, plus this VM's demand.
      let after = util + d;
      if (!staleEmpty && dc.incomingCount[h] > 0) after += this.incomingExtra(h);
      const delta = model.power(after / cap) - (staleEmpty ? model.idlePower : this.powerNow[h]);
      if (!(delta < minDelta)) continue;
      if (!this.suitable(h, v, demandOf)) continue;
      if (util !== 0 && this.detector?.isOverloaded(h, this.plan.lists[h], v, this.plan.stamp[h])) continue;
      minDelta = delta;
      best = h;
    }
    return best;
  }

  /** First host with room (CloudSim `PowerVmAllocationPolicyAbstract.findHostForVm`), or -1. */
  firstFit(v: number, demandOf: DemandOf): number {
    for (let h = 0; h < this.dc.hosts; h++) if (this.suitable(h, v, demandOf)) return h;
    return -1;
  }

  /** Extra MIPS an incoming copy will need once it lands (its allocation x 0.9 / 0.1). */
  private incomingExtra(h: number): number {
    const dc = this.dc;
    let extra = 0;
    for (const e of dc.members[h]) {
      if (e >= 0) continue;
      const v = entryVm(e);
      extra += Math.min(dc.demand[v], dc.vmVcpus[v] * dc.coreMips[h]) * MIGRATION_SOURCE_FACTOR;
    }
    return extra;
  }
}

/** CloudSim's utilisation for `host.getPower()`: (1, 1.01) reads as 1. */
function staleUtil(mips: number, cap: number): number {
  const u = mips / cap;
  return Math.min(u, 1);
}

export const INITIAL_PLACEMENTS = ["pabfd", "first-fit"] as const;
export type InitialPlacement = (typeof INITIAL_PLACEMENTS)[number];

/**
 * Places every VM at time 0 in index order, each asking for its full MIPS. @returns the
 * VMs no host could take (CloudSim leaves them uncreated).
 */
export function placeInitially(dc: FluidDatacenter, how: InitialPlacement): number[] {
  const plan = new PlanState(dc);
  plan.reset();
  const placer = new Placer(dc, plan, null, true);
  const full: DemandOf = (v) => dc.vmMips[v];
  const none = new Uint8Array(dc.hosts);
  const unplaced: number[] = [];
  for (let v = 0; v < dc.vms; v++) {
    const h = how === "pabfd" ? placer.findHost(v, none, full, true) : placer.firstFit(v, full);
    if (h < 0) {
      unplaced.push(v);
      continue;
    }
    plan.add(h, v);
    dc.place(v, h);
  }
  return unplaced;
}
