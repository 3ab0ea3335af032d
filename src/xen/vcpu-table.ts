/**
 * Every vCPU of one host in struct-of-arrays form (STYLE.md 22): the fields Xen keeps in
 * `struct vcpu` that the scheduling core and the schedulers touch on every event, as
 * typed-array columns indexed by VcpuIdx. Idle vCPUs (one per pCPU, domain DOMID_IDLE)
 * come first, so the idle vCPU of pCPU c has index c.
 *
 * Capacity is fixed when the host is built (every domain of a scenario is known then);
 * creating more vCPUs than that is a broken invariant and throws.
 */
import { CpuMask } from "../hw/cpumask.js";
import { RUNSTATE_offline } from "./runstate.js";
import type { VcpuIdx } from "./xen-ids.js";

/** `v->pause_flags` bits (xen/include/xen/sched.h, _VPF_*): any set bit makes a vCPU unrunnable. */
/** Set by SCHEDOP_block (vcpu_block), cleared by vcpu_unblock; read by schedule() and wake. */
export const VPF_blocked = 1 << 0;
/** vCPU is down (VCPUOP_down, or never brought up); cleared by VCPUOP_up. */
export const VPF_down = 1 << 1;
/** Set by a scheduler that wants a running vCPU moved; cleared by vcpu_migrate after pick_cpu. */
export const VPF_migrating = 1 << 3;

/** Migration counters per vCPU: same core, same socket, cross socket (topology.ts). */
export const MIGRATION_COUNTERS = 3;

export class VcpuTable {
  count = 0;
  /** Index of the owning domain in the host's domain list. */
  readonly dom: Int32Array;
  readonly domid: Int32Array;
  /** Xen's vcpu_id within its domain. */
  readonly vcpuId: Int32Array;
  readonly isIdle: Uint8Array;
  /** RUNSTATE_* now, and when it was entered (ns). */
  readonly runstate: Uint8Array;
  readonly stateEntry: Float64Array;
  /** vcpu_runstate_info.time[4]: ns spent in each runstate, 4 per vCPU. */
  readonly rsTime: Float64Array;
  /** v->processor: the pCPU whose runqueue it belongs to (or runs on). */
  readonly processor: Int32Array;
  /** pCPU it last ran on, -1 if it never ran (for migration counting). */
  readonly lastCpu: Int32Array;
  /** v->pause_flags (VPF_*). */
  readonly pauseFlags: Uint8Array;
  /** v->pause_count: nested vcpu_pause calls (admin pause, cap parking). */
  readonly pauseCount: Int32Array;
  /** v->is_running: on a pCPU (cleared when its context is saved). */
  readonly isRunning: Uint8Array;
  /** v->last_run_time: when it last stopped running (cache-hot test). */
  readonly lastRunTime: Float64Array;
  /** Times it was switched onto a pCPU. */
  readonly ctxSwitches: Float64Array;
  /** Migrations, MIGRATION_COUNTERS per vCPU. */
  readonly migrations: Float64Array;
  /** Hard affinity (v->cpu_hard_affinity) and soft affinity (v->cpu_soft_affinity). */
  readonly hard: CpuMask[] = [];
  readonly soft: CpuMask[] = [];

  constructor(
    readonly capacity: number,
    readonly nrCpus: number,
  ) {
    this.dom = new Int32Array(capacity);
    this.domid = new Int32Array(capacity);
    this.vcpuId = new Int32Array(capacity);
    this.isIdle = new Uint8Array(capacity);
    this.runstate = new Uint8Array(capacity);
    this.stateEntry = new Float64Array(capacity);
    this.rsTime = new Float64Array(capacity * 4);
    this.processor = new Int32Array(capacity);
    this.lastCpu = new Int32Array(capacity).fill(-1);
    this.pauseFlags = new Uint8Array(capacity);
    this.pauseCount = new Int32Array(capacity);
    this.isRunning = new Uint8Array(capacity);
    this.lastRunTime = new Float64Array(capacity).fill(Number.NEGATIVE_INFINITY);
    this.ctxSwitches = new Float64Array(capacity);
    this.migrations = new Float64Array(capacity * MIGRATION_COUNTERS);
  }

  /** Appends a vCPU in RUNSTATE_offline; returns its index. */
  add(
    domIndex: number,
    domid: number,
    vcpuId: number,
    processor: number,
    now: number,
    idle: boolean,
  ): VcpuIdx {
    if (this.count >= this.capacity)
      throw new RangeError(`vCPU table full (${this.capacity}); build the host with room for every vCPU`);
    const v = this.count++;
    this.dom[v] = domIndex;
    this.domid[v] = domid;
    this.vcpuId[v] = vcpuId;
    this.isIdle[v] = idle ? 1 : 0;
    this.runstate[v] = RUNSTATE_offline;
    this.stateEntry[v] = now;
    this.processor[v] = processor;
    this.hard.push(CpuMask.full(this.nrCpus));
    this.soft.push(CpuMask.full(this.nrCpus));
    return v as VcpuIdx;
  }

  /** vcpu_runnable(): no pause flag and no pause count. */
  runnable(v: number): boolean {
    return this.pauseFlags[v] === 0 && this.pauseCount[v] === 0;
  }

  /** Total ns in runstate `s` up to `now`, as vcpu_runstate_info would report it. */
  timeIn(v: number, s: number, now: number): number {
    const t = this.rsTime[v * 4 + s];
    return this.runstate[v] === s ? t + (now - this.stateEntry[v]) : t;
  }
}
