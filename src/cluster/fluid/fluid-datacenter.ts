/**
 * The fluid tier: a data centre of hosts (cores x MIPS, memory, bandwidth, a SPECpower
 * model) running VMs whose CPU demand follows utilisation traces. CPU is shared per host
 * by a share policy (share-policy.ts) and recomputed only at events - trace samples,
 * migration starts and ends, placement rounds - so a simulated day costs a few thousand
 * host updates, not a step per second. Between two events every allocation is constant;
 * power is interpolated linearly between the utilisations at the two ends.
 *
 * Source: the accounting of CloudSim's `PowerDatacenter`, `HostDynamicWorkload`,
 * `PowerHost` and `Helper.printResults` (CloudSim 3.0.3 / 7G), which produced the numbers of
 * Beloglazov and Buyya, CCPE 2012 - mirrored so that our metrics mean what theirs mean:
 *
 * - `update(t)` first closes the segment since the last event with the state decided then
 *   (SLA time, VM under-allocation), then recomputes demands (trace at t x VM MIPS) and
 *   shares, then adds each host's energy over the segment by the trapezoid rule between
 *   its utilisation then and now (0 J if it was at exactly 0 then: switched off).
 * - A host's "allocated" MIPS counts a migrating-out VM at its full share (allocation / 0.9)
 *   and a migrating-in copy at its 10%; its "requested" MIPS counts every VM in its list at
 *   full demand, the incoming copy included. SLATAH time is active time with allocated <
 *   requested - so a migration target counts as violating while the copy is in flight, and
 *   so does a host whose VM wants more than one core. (CloudSim's definition; the paper's
 *   prose says "100% utilisation".)
 * - A VM's under-allocated MIPS x seconds while it migrates feed PDM.
 * - `zeroDemand: "finish"`: like CloudSim, a VM whose demand is exactly 0 at an update is
 *   taken as finished and removed from the data centre for good (CloudSim reads "requested
 *   MIPS = 0" as "cloudlet done"). With "keep" it stays.
 * - `bootOnlyReservations`: CloudSim's experiment reserves a VM's memory and bandwidth only
 *   when it is created (its RAM and bandwidth demand is `UtilizationModelNull`), so the
 *   consolidation that follows is limited by CPU alone.
 * - History: at updates whose time is a multiple of `historyPeriod`, each VM appends its
 *   utilisation to a 30-value history (CloudSim `PowerVm`), which overload detectors read.
 * - Host shutdowns: a host's state after the last event at an instant is its entry for that
 *   instant; an active -> inactive transition between entries is a shutdown, and hosts
 *   start as "active" (so hosts never used count once, as in CloudSim's report).
 *
 * Invariants: every VM copy is in exactly the member list it occupies; a VM is on at most
 * one host as a normal member; memory and bandwidth used equal the sums over members.
 */
import type { HostModel, VmType } from "./datacenter-catalog.js";
import {
  cloudsimShare,
  creditShare,
  MIGRATION_SOURCE_FACTOR,
  MIGRATION_TARGET_FACTOR,
  ROLE_IN,
  ROLE_NORMAL,
  ROLE_OUT,
  type SharePolicy,
} from "./share-policy.js";
import { energyLinearInterpolation, type SpecPowerModel } from "./spec-power.js";
import type { TraceSet } from "./utilisation-trace.js";

const NS = 1e9;
/** CloudSim `PowerVm.HISTORY_LENGTH`: utilisation samples a VM remembers. */
export const VM_HISTORY_LENGTH = 30;
/** CloudSim rounds a host utilisation in (1, 1.01) down to 1 (`HostDynamicWorkload.getUtilizationOfCpu`). */
const UTIL_ROUNDING_SLACK = 1.01;

export const ZERO_DEMAND_RULES = ["finish", "keep"] as const;
export type ZeroDemandRule = (typeof ZERO_DEMAND_RULES)[number];

export interface FluidOptions {
  share: SharePolicy;
  zeroDemand: ZeroDemandRule;
  /** Fraction of the target's bandwidth a migration uses (CloudSim: half). */
  migrationBandwidthFraction: number;
  /** VM histories grow at updates at multiples of this period (ns): the scheduling interval. */
  historyPeriod: number;
  /** false: every host draws its maximum power all the time (the paper's NPA benchmark). */
  powerAware: boolean;
  /**
   * true: a VM's memory and bandwidth count against a host only when the VM is created
   * (CloudSim's experiment: its cloudlets use `UtilizationModelNull` for RAM and bandwidth,
   * so `Vm.getCurrentRequestedRam()` is 0 once the VM runs, and later placements and
   * migrations check CPU only). false: they are reserved wherever the VM goes.
   */
  bootOnlyReservations: boolean;
}

export interface FluidVm {
  type: VmType;
  /** Credit weight (share "credit" only). */
  weight?: number;
  /** Credit cap in percent of one core, 0 = none (share "credit" only). */
  cap?: number;
}

/** Encodes a migrating-in copy of VM v in a host's member list. */
export function incomingEntry(v: number): number {
  return -v - 1;
}
/** The VM id of a member-list entry. */
export function entryVm(e: number): number {
  return e < 0 ? -e - 1 : e;
}

/** Removes the first `value` from `list` in place, keeping order (no allocation, unlike splice). @returns false if absent. */
export function removeFromList(list: number[], value: number): boolean {
  const i = list.indexOf(value);
  if (i < 0) return false;
  for (let j = i + 1; j < list.length; j++) list[j - 1] = list[j];
  list.length--;
  return true;
}

export class FluidDatacenter {
  readonly hosts: number;
  readonly vms: number;
  // Hosts, from config.
  readonly capacity: Float64Array;
  readonly coreMips: Float64Array;
  readonly cores: Int32Array;
  readonly memory: Float64Array;
  readonly bandwidth: Float64Array;
  readonly power: SpecPowerModel[];
  // Hosts, maintained.
  /** Member lists in CloudSim's order: v for a VM, incomingEntry(v) for an incoming copy. */
  readonly members: number[][];
  readonly memoryUsed: Float64Array;
  readonly bandwidthUsed: Float64Array;
  /** Allocated MIPS as CloudSim counts it (migrating-out VMs at full share): the utilisation. */
  readonly utilMips: Float64Array;
  /** Requested MIPS of every member (incoming copies at full demand). */
  readonly requestedMips: Float64Array;
  /** MIPS the share policy left free at the last update (0 when oversubscribed). */
  readonly availableMips: Float64Array;
  /** Incoming migration copies in each host's member list. */
  readonly incomingCount: Int32Array;
  // VMs, from config.
  readonly vmMips: Float64Array;
  readonly vmVcpus: Int32Array;
  readonly vmMemory: Float64Array;
  readonly vmBandwidth: Float64Array;
  readonly vmWeight: Float64Array;
  readonly vmCapPercent: Float64Array;
  // VMs, maintained.
  /** Host where the VM runs as a normal member, or -1 (not placed or finished). */
  readonly vmHost: Int32Array;
  readonly inMigration: Uint8Array;
  readonly finished: Uint8Array;
  /** Demand (MIPS) at the last update. */
  readonly demand: Float64Array;
  /** Allocation (MIPS) on its own host at the last update. */
  readonly allocated: Float64Array;
  /**
   * Utilisation histories, VM_HISTORY_LENGTH values per VM, newest first (entry v * L + i is
   * VM v's i-th most recent value). Appending shifts a row by one (30 copies per VM per
   * interval), so readers scan contiguously. Read with `historyAt` or, in hot loops, directly.
   */
  readonly history: Float64Array;
  private readonly historyCount: Int32Array;
  // Accounting.
  private readonly accounts = new FluidAccounts();
  private readonly entryActive: Uint8Array;
  private readonly lastSwitchOn: Float64Array;
  private readonly segMigrating: Uint8Array;
  private lastTime = 0;
  private haveState = false;
  private lastCommitted = -1;
  private lastHistoryTime = -1;
  // Scratch for the share policies (sized to the largest member list seen).
  private req = new Float64Array(16);
  private role = new Uint8Array(16);
  private out = new Float64Array(16);
  private order = new Int32Array(16);
  private weightBuf = new Float64Array(16);

  constructor(
    hostModels: readonly HostModel[],
    vmSpecs: readonly FluidVm[],
    readonly traces: TraceSet,
    readonly options: FluidOptions,
  ) {
    if (traces.vms < vmSpecs.length) {
      throw new RangeError(`${vmSpecs.length} VMs but only ${traces.vms} traces`);
    }
    const H = hostModels.length;
    const V = vmSpecs.length;
    this.hosts = H;
    this.vms = V;
    this.capacity = new Float64Array(H);
    this.coreMips = new Float64Array(H);
    this.cores = new Int32Array(H);
    this.memory = new Float64Array(H);
    this.bandwidth = new Float64Array(H);
    this.power = hostModels.map((m) => m.power);
    hostModels.forEach((m, h) => {
      this.cores[h] = m.cores;
      this.coreMips[h] = m.mipsPerCore;
      this.capacity[h] = m.cores * m.mipsPerCore;
      this.memory[h] = m.memory;
      this.bandwidth[h] = m.bandwidth;
    });
    this.members = Array.from({ length: H }, () => []);
    this.memoryUsed = new Float64Array(H);
    this.bandwidthUsed = new Float64Array(H);
    this.utilMips = new Float64Array(H);
    this.requestedMips = new Float64Array(H);
    this.availableMips = Float64Array.from(this.capacity);
    this.incomingCount = new Int32Array(H);
    this.entryActive = new Uint8Array(H).fill(1);
    this.lastSwitchOn = new Float64Array(H);
    this.vmMips = Float64Array.from(vmSpecs, (s) => s.type.mips);
    this.vmVcpus = Int32Array.from(vmSpecs, (s) => s.type.vcpus);
    this.vmMemory = Float64Array.from(vmSpecs, (s) => s.type.memory);
    this.vmBandwidth = Float64Array.from(vmSpecs, (s) => s.type.bandwidth);
    this.vmWeight = Float64Array.from(vmSpecs, (s) => s.weight ?? 256);
    this.vmCapPercent = Float64Array.from(vmSpecs, (s) => s.cap ?? 0);
    this.vmHost = new Int32Array(V).fill(-1);
    this.inMigration = new Uint8Array(V);
    this.finished = new Uint8Array(V);
    this.demand = new Float64Array(V);
    this.allocated = new Float64Array(V);
    this.segMigrating = new Uint8Array(V);
    this.history = new Float64Array(V * VM_HISTORY_LENGTH);
    this.historyCount = new Int32Array(V);
  }

  // ---- Placement operations (no accounting; callers update() at the instant) ----

  /** Puts VM v on host h as a normal member (initial placement). */
  place(v: number, h: number): void {
    if (this.vmHost[v] !== -1) throw new Error(`VM ${v} is already on host ${this.vmHost[v]}`);
    this.members[h].push(v);
    this.memoryUsed[h] += this.vmMemory[v];
    this.bandwidthUsed[h] += this.vmBandwidth[v];
    this.vmHost[v] = h;
  }

  /** Seconds a live migration of v to host `target` takes: memory / (fraction x bandwidth). */
  migrationSeconds(v: number, target: number): number {
    return this.vmMemory[v] / ((this.bandwidth[target] * this.options.migrationBandwidthFraction) / 8);
  }

  /**
   * Starts a live migration (CloudSim `Host.addMigratingInVm`): the target reserves memory
   * and 10% of the VM's demand for the incoming copy, the source copy drops to 90% of its
   * share; both hosts' shares are recomputed at once. @returns duration in seconds.
   */
  startMigration(v: number, target: number): number {
    const src = this.vmHost[v];
    if (src < 0) throw new Error(`cannot migrate VM ${v}: it is not placed`);
    this.inMigration[v] = 1;
    this.members[target].push(incomingEntry(v));
    this.incomingCount[target]++;
    this.memoryUsed[target] += this.vmMemory[v];
    this.bandwidthUsed[target] += this.vmBandwidth[v];
    this.allocateHost(target);
    this.allocateHost(src);
    this.accounts.migrations++;
    return this.migrationSeconds(v, target);
  }

  /** Ends a migration (CloudSim `Datacenter.processVmMigrate`): v leaves its host and becomes a normal member of `target`. */
  completeMigration(v: number, target: number): void {
    const src = this.vmHost[v];
    if (src >= 0) this.removeMember(src, v);
    if (!removeFromList(this.members[target], incomingEntry(v))) {
      throw new Error(`VM ${v} is not migrating to host ${target}`);
    }
    this.incomingCount[target]--;
    this.memoryUsed[target] -= this.vmMemory[v];
    this.bandwidthUsed[target] -= this.vmBandwidth[v];
    this.inMigration[v] = 0;
    this.vmHost[v] = -1;
    this.place(v, target);
  }

  private removeMember(h: number, v: number): void {
    if (!removeFromList(this.members[h], v)) throw new Error(`VM ${v} is not on host ${h}`);
    this.memoryUsed[h] -= this.vmMemory[v];
    this.bandwidthUsed[h] -= this.vmBandwidth[v];
    this.vmHost[v] = -1;
  }

  // ---- Events ----

  /**
   * The data centre at time t (ns): closes the segment since the last update, recomputes
   * every demand and share, adds the segment's energy, grows histories at interval
   * boundaries and finishes zero-demand VMs. Hot path: `cluster.planetlab`.
   */
  update(t: number): void {
    if (this.haveState && t < this.lastTime) throw new Error(`update at ${t} ns before ${this.lastTime} ns`);
    this.commitEntries(t);
    const dt = this.haveState ? (t - this.lastTime) / NS : 0;
    if (dt > 0) this.closeSegment(dt);
    const H = this.hosts;
    const V = this.vms;
    const traces = this.traces;
    for (let v = 0; v < V; v++) {
      if (this.vmHost[v] >= 0) this.demand[v] = traces.at(v, t) * this.vmMips[v];
    }
    const util = this.utilMips;
    if (!this.options.powerAware) {
      const from = this.haveState ? this.lastTime : 0;
      const seconds = (t - from) / NS;
      for (let h = 0; h < H; h++) this.accounts.energyJ += this.power[h].maxPower * seconds;
      for (let h = 0; h < H; h++) this.allocateHost(h);
    } else {
      for (let h = 0; h < H; h++) {
        const before = util[h];
        this.allocateHost(h);
        if (dt > 0) {
          const cap = this.capacity[h];
          this.accounts.energyJ += energyLinearInterpolation(
            this.power[h],
            utilFraction(before, cap),
            utilFraction(util[h], cap),
            dt,
          );
        }
      }
    }
    if (t > 0 && t % this.options.historyPeriod === 0 && t !== this.lastHistoryTime) {
      this.lastHistoryTime = t;
      this.growHistories();
    }
    if (this.options.zeroDemand === "finish") this.finishIdleVms();
    this.haveState = true;
    this.lastTime = t;
  }

  /** Recomputes every host's shares at the current instant (after migrations end). */
  reallocateAll(): void {
    for (let h = 0; h < this.hosts; h++) this.allocateHost(h);
    if (this.options.zeroDemand === "finish") this.finishIdleVms();
  }

  /** Closes accounting at time t, the end of the run (and commits the last instant's entries). */
  finish(t: number): void {
    if (!this.haveState || t > this.lastTime) this.update(t);
    this.commitEntries(Number.POSITIVE_INFINITY);
  }

  /** Forgets what was measured so far (end of a warm-up); the allocation stays. */
  resetAccounts(): void {
    this.accounts.reset();
  }

  private closeSegment(dt: number): void {
    const a = this.accounts;
    for (let h = 0; h < this.hosts; h++) {
      if (this.utilMips[h] > 0) {
        a.activeSeconds += dt;
        if (this.utilMips[h] < this.requestedMips[h]) a.violationSeconds += dt;
      }
    }
    for (let v = 0; v < this.vms; v++) {
      if (this.vmHost[v] < 0) continue;
      const req = this.demand[v];
      const got = this.allocated[v];
      a.requestedMipsS += req * dt;
      a.allocatedMipsS += got * dt;
      if (got < req) {
        a.shortfallSamples++;
        a.shortfallFractionSum += (req - got) / req;
        if (this.segMigrating[v]) a.migrationShortfallMipsS += (req - got) * dt;
      }
    }
  }

  /** The state after the last event at an instant is that instant's host entry (shutdown count). */
  private commitEntries(t: number): void {
    if (!this.haveState || t <= this.lastTime || this.lastCommitted === this.lastTime) return;
    const now = this.lastTime / NS;
    for (let h = 0; h < this.hosts; h++) {
      const active = this.utilMips[h] > 0 ? 1 : 0;
      if (this.entryActive[h] === 1 && active === 0) {
        this.accounts.shutdowns++;
        this.accounts.secondsBeforeShutdown += now - this.lastSwitchOn[h];
      } else if (this.entryActive[h] === 0 && active === 1) {
        this.lastSwitchOn[h] = now;
      }
      this.entryActive[h] = active;
    }
    this.lastCommitted = this.lastTime;
  }

  private growHistories(): void {
    const L = VM_HISTORY_LENGTH;
    const hist = this.history;
    for (let v = 0; v < this.vms; v++) {
      if (this.vmHost[v] < 0) continue;
      const row = v * L;
      hist.copyWithin(row + 1, row, row + L - 1);
      hist[row] = this.demand[v] / this.vmMips[v];
      if (this.historyCount[v] < L) this.historyCount[v]++;
    }
  }

  private finishIdleVms(): void {
    for (let v = 0; v < this.vms; v++) {
      const h = this.vmHost[v];
      if (h < 0 || this.inMigration[v] || this.demand[v] !== 0) continue;
      this.removeMember(h, v);
      this.finished[v] = 1;
      this.accounts.finishedVms++;
    }
  }

  /** Recomputes the shares of host h from its members' current demands. */
  allocateHost(h: number): void {
    const list = this.members[h];
    const n = list.length;
    if (n > this.req.length) this.growScratch(n);
    const req = this.req;
    const role = this.role;
    const alloc = this.out;
    let requested = 0;
    for (let i = 0; i < n; i++) {
      const e = list[i];
      const v = e < 0 ? -e - 1 : e;
      const d = this.demand[v];
      req[i] = d;
      role[i] = e < 0 ? ROLE_IN : this.inMigration[v] ? ROLE_OUT : ROLE_NORMAL;
      requested += d;
    }
    const cap = this.capacity[h];
    if (this.options.share === "cloudsim") {
      this.availableMips[h] = cloudsimShare(cap, this.coreMips[h], n, req, role, alloc);
    } else {
      this.availableMips[h] = this.creditHost(h, n);
    }
    let util = 0;
    for (let i = 0; i < n; i++) {
      const e = list[i];
      if (e < 0) {
        util += alloc[i];
        continue;
      }
      const out = role[i] === ROLE_OUT;
      util += out ? alloc[i] / MIGRATION_SOURCE_FACTOR : alloc[i];
      this.allocated[e] = alloc[i];
      this.segMigrating[e] = out ? 1 : 0;
    }
    this.utilMips[h] = util;
    this.requestedMips[h] = requested;
  }

  private creditHost(h: number, n: number): number {
    const list = this.members[h];
    const core = this.coreMips[h];
    const bound = this.req;
    for (let i = 0; i < n; i++) {
      const v = entryVm(list[i]);
      const capMips =
        this.vmCapPercent[v] > 0 ? (this.vmCapPercent[v] / 100) * core : Number.POSITIVE_INFINITY;
      let b = Math.min(bound[i], capMips, this.vmVcpus[v] * core);
      if (this.role[i] === ROLE_OUT) b *= MIGRATION_SOURCE_FACTOR;
      else if (this.role[i] === ROLE_IN) b *= MIGRATION_TARGET_FACTOR;
      bound[i] = b;
      this.weightBuf[i] = this.vmWeight[v];
    }
    return creditShare(this.capacity[h], n, bound, this.weightBuf, this.out, this.order);
  }

  private growScratch(n: number): void {
    const size = Math.max(n, this.req.length * 2);
    this.req = new Float64Array(size);
    this.role = new Uint8Array(size);
    this.out = new Float64Array(size);
    this.order = new Int32Array(size);
    this.weightBuf = new Float64Array(size);
  }

  // ---- Views for policies and reports ----

  /** Host utilisation as CloudSim reports it (allocated / capacity, (1, 1.01) rounded to 1). */
  utilisation(h: number): number {
    return utilFraction(this.utilMips[h], this.capacity[h]);
  }

  /** Power now (W) of host h: 0 when switched off (utilisation 0), as CloudSim's energy counts it. */
  hostPower(h: number): number {
    if (!this.options.powerAware) return this.power[h].maxPower;
    const u = this.utilisation(h);
    return u > 0 ? this.power[h].power(u) : 0;
  }

  /** The i-th most recent history value of VM v (i = 0 newest), or 0 beyond its history. */
  historyAt(v: number, i: number): number {
    return i < this.historyCount[v] ? this.history[v * VM_HISTORY_LENGTH + i] : 0;
  }

  historyLength(v: number): number {
    return this.historyCount[v];
  }

  activeHosts(): number {
    let n = 0;
    for (let h = 0; h < this.hosts; h++) if (this.utilMips[h] > 0) n++;
    return n;
  }

  totalPower(): number {
    let w = 0;
    for (let h = 0; h < this.hosts; h++) w += this.hostPower(h);
    return w;
  }

  metrics(): FluidMetrics {
    return this.accounts.metrics();
  }
}

/** CloudSim's utilisation: allocated / capacity, with (1, 1.01) rounded to 1; clamped to [0, 1]. */
function utilFraction(mips: number, capacity: number): number {
  const u = mips / capacity;
  if (u > 1 && u < UTIL_ROUNDING_SLACK) return 1;
  return Math.min(u, 1);
}

export interface FluidMetrics {
  energyKwh: number;
  migrations: number;
  /** SLA violation Time per Active Host (pooled over hosts, as CloudSim computes it). */
  slatah: number;
  /** Performance Degradation due to Migrations (pooled over VMs). */
  pdm: number;
  /** SLATAH x PDM. */
  slav: number;
  /** Energy (kWh) x SLAV. */
  esv: number;
  hostShutdowns: number;
  meanSecondsBeforeShutdown: number;
  /** (requested - allocated) / requested over all VM-seconds. */
  overallShortfall: number;
  /** Mean of (requested - allocated) / requested over under-allocated VM segments. */
  averageShortfall: number;
  finishedVms: number;
  activeHostSeconds: number;
}

class FluidAccounts {
  energyJ = 0;
  migrations = 0;
  activeSeconds = 0;
  violationSeconds = 0;
  requestedMipsS = 0;
  allocatedMipsS = 0;
  migrationShortfallMipsS = 0;
  shortfallSamples = 0;
  shortfallFractionSum = 0;
  shutdowns = 0;
  secondsBeforeShutdown = 0;
  finishedVms = 0;

  reset(): void {
    this.energyJ = 0;
    this.migrations = 0;
    this.activeSeconds = 0;
    this.violationSeconds = 0;
    this.requestedMipsS = 0;
    this.allocatedMipsS = 0;
    this.migrationShortfallMipsS = 0;
    this.shortfallSamples = 0;
    this.shortfallFractionSum = 0;
    this.shutdowns = 0;
    this.secondsBeforeShutdown = 0;
    this.finishedVms = 0;
  }

  metrics(): FluidMetrics {
    const energyKwh = this.energyJ / 3.6e6;
    const slatah = this.activeSeconds > 0 ? this.violationSeconds / this.activeSeconds : 0;
    const pdm = this.requestedMipsS > 0 ? this.migrationShortfallMipsS / this.requestedMipsS : 0;
    const slav = slatah * pdm;
    return {
      energyKwh,
      migrations: this.migrations,
      slatah,
      pdm,
      slav,
      esv: energyKwh * slav,
      hostShutdowns: this.shutdowns,
      meanSecondsBeforeShutdown:
        this.shutdowns > 0 ? this.secondsBeforeShutdown / this.shutdowns : Number.NaN,
      overallShortfall:
        this.requestedMipsS > 0 ? (this.requestedMipsS - this.allocatedMipsS) / this.requestedMipsS : 0,
      averageShortfall: this.shortfallSamples > 0 ? this.shortfallFractionSum / this.shortfallSamples : 0,
      finishedVms: this.finishedVms,
      activeHostSeconds: this.activeSeconds,
    };
  }
}
