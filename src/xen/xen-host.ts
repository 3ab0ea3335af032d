/**
 * One Xen host: its pCPUs, domains and vCPUs, and the generic scheduling core that
 * Xen keeps in xen/common/schedule.c (3.4-4.x; xen/common/sched/core.c today): vCPU
 * wake, sleep, block, yield, pause, migration, the schedule() softirq that asks the
 * scheduler for the next vCPU and switches to it, runstate accounting exactly as
 * `vcpu_runstate_info` reports it, and the trace records Xen emits on the way.
 *
 * Design. Each pCPU has two re-armable timers: the slice timer (`s_timer`, armed with
 * the slice do_schedule returns) and the SCHEDULE_SOFTIRQ (raised locally at once, or by
 * an IPI after `costs.ipiLatency`). schedule(cpu) runs the scheduler's do_schedule, traces
 * SWITCH_INFPREV/INFNEXT/SWITCH, changes both runstates, tells the guest layer who runs,
 * and saves the previous context at once (context_saved), migrating it if a scheduler
 * set _VPF_migrating. The scheduler is a SchedulerOps; nothing here knows Credit.
 *
 * Invariants: exactly one vCPU runs on each pCPU (its idle vCPU when nothing else);
 * a running vCPU's processor is that pCPU; runstate time sums to time since creation.
 *
 * Hot path: benchmarked by `sched.credit`.
 */

import type { CpuMask } from "../hw/cpumask.js";
import { MIGRATE_NONE, Topology, type TopologySpec } from "../hw/topology.js";
import type { Kernel, Timer } from "../kernel/kernel.js";
import { SimulationError } from "../kernel/kernel.js";
import { DEFAULT_WEIGHT, Domain, type DomainConfig } from "./domain.js";
import type { VcpuExec, VcpuObserver } from "./host-observer.js";
import {
  RUNSTATE_blocked,
  RUNSTATE_offline,
  RUNSTATE_runnable,
  RUNSTATE_running,
  runstateEdgeAllowed,
} from "./runstate.js";
import type { SchedHost, SchedulerOps, TaskSlice } from "./sched/sched-ops.js";
import {
  runstateEvent,
  TRC_DOM0_DOM_ADD,
  TRC_SCHED_BLOCK,
  TRC_SCHED_CONTINUE_RUNNING,
  TRC_SCHED_DOM_ADD,
  TRC_SCHED_SLEEP,
  TRC_SCHED_SWITCH,
  TRC_SCHED_SWITCH_INFCONT,
  TRC_SCHED_SWITCH_INFNEXT,
  TRC_SCHED_SWITCH_INFPREV,
  TRC_SCHED_WAKE,
  TRC_SCHED_YIELD,
} from "./trace/trace-ids.js";
import { NO_TRACE, type TraceSink } from "./trace/trace-sink.js";
import { MIGRATION_COUNTERS, VcpuTable, VPF_blocked, VPF_migrating } from "./vcpu-table.js";
import { DOMID_IDLE, type DomId, type VcpuIdx } from "./xen-ids.js";

/** Costs of the machine (spec scheduler.md 6); all default to 0, the sched-sim convention. */
export interface HostCosts {
  /** ns from a context switch until guest code runs (charged to the incoming vCPU as running). */
  contextSwitch: number;
  /** ns from a remote cpu_raise_softirq (tickle) to schedule() on the target pCPU. */
  ipiLatency: number;
  /** Extra ns before guest code runs when the vCPU last ran on another pCPU (cache refill). */
  migration: number;
}

export const ZERO_COSTS: HostCosts = { contextSwitch: 0, ipiLatency: 0, migration: 0 };

export interface HostConfig {
  name: string;
  topology: TopologySpec;
  /** TSC rate in Hz (trace timestamps count in it). */
  clockHz: number;
  costs: HostCosts;
  /** Room for this many guest vCPUs (dom0 included), besides the idle vCPUs. */
  maxGuestVcpus: number;
}

export interface VcpuPlacement {
  /** Hard affinity per vCPU (absent: all pCPUs). */
  hard?: (CpuMask | undefined)[];
  soft?: (CpuMask | undefined)[];
  /** Initial pCPU per vCPU, bypassing the toolstack's placement (absent: Xen's default). */
  processor?: (number | undefined)[];
}

/** Trace payload word of a runstate change: struct { u16 vcpu, domain; }. */
function vcpuDomWord(vcpuId: number, domid: number): number {
  return (vcpuId & 0xffff) | ((domid & 0xffff) << 16);
}

export class XenHost implements SchedHost {
  readonly topo: Topology;
  readonly vcpus: VcpuTable;
  readonly domains: Domain[] = [];
  /** The idle domain (DOMID_IDLE); not in `domains`. */
  readonly idleDomain: Domain;
  sched!: SchedulerOps;
  trace: TraceSink = NO_TRACE;
  exec: VcpuExec | null = null;
  private observers: VcpuObserver[] = [];
  /** curr_on_cpu per pCPU. */
  private readonly currV: Int32Array;
  private readonly sTimer: Timer[] = [];
  private readonly softirq: Timer[] = [];
  private readonly slice: TaskSlice = { time: -1, migrated: false };
  /**
   * Set by the guest layer while a guest handler runs on its vCPU (a hypercall in
   * progress): a SCHEDULE_SOFTIRQ that SCHEDOP_block or SCHEDOP_yield raises on the
   * vCPU's own pCPU is then run by hypercallExit() when the handler ends, as Xen runs
   * pending softirqs on the way back to the guest, instead of through the event queue.
   */
  deferExitSoftirq = false;
  /** The pCPU whose softirq hypercallExit() runs, -1 if none. */
  private exitSoftirqCpu = -1;
  private nextDomid = 0;
  /** schedule() calls, context switches (both counted host-wide). */
  schedules = 0;
  /** SCHEDULE_SOFTIRQs run at hypercall exit (scheduler events that are not kernel events). */
  exitSoftirqs = 0;
  switches = 0;

  constructor(
    readonly k: Kernel,
    readonly config: HostConfig,
  ) {
    this.topo = new Topology(config.topology);
    const n = this.topo.nrCpus;
    this.vcpus = new VcpuTable(n + config.maxGuestVcpus, n);
    this.currV = new Int32Array(n);
    this.idleDomain = new Domain(-1, DOMID_IDLE, "idle", { weight: DEFAULT_WEIGHT, cap: 0 }, 0, true);
    for (let cpu = 0; cpu < n; cpu++) {
      const v = this.vcpus.add(-1, DOMID_IDLE, cpu, cpu, k.now, true);
      this.idleDomain.vcpus.push(v);
      this.vcpus.runstate[v] = RUNSTATE_running;
      this.vcpus.isRunning[v] = 1;
      this.vcpus.lastCpu[v] = cpu;
      this.currV[cpu] = v;
      this.sTimer.push(k.timer(this.onSliceTimer, cpu));
      this.softirq.push(k.timer(this.onSoftirq, cpu));
    }
  }

  get nrCpus(): number {
    return this.topo.nrCpus;
  }

  get costs(): HostCosts {
    return this.config.costs;
  }

  /** Installs the scheduler (before domains are created). */
  setScheduler(ops: SchedulerOps): void {
    this.sched = ops;
    ops.init();
  }

  addObserver(o: VcpuObserver): void {
    this.observers.push(o);
  }

  curr(cpu: number): number {
    return this.currV[cpu];
  }

  idleVcpu(cpu: number): number {
    return cpu;
  }

  domainOf(v: number): Domain {
    const d = this.vcpus.dom[v];
    return d < 0 ? this.idleDomain : this.domains[d];
  }

  /**
   * domain_create + XEN_DOMCTL_max_vcpus: a domain with `nVcpus` vCPUs, placed the way
   * Xen 3.4's domctl does (vCPU 0 on the least-loaded core's last thread, the next ones
   * cycling from there; default_vcpu0_location), unless `placement.processor` says
   * otherwise. vCPUs start offline; `start()` brings them up.
   */
  createDomain(config: DomainConfig, nVcpus: number, placement: VcpuPlacement = {}): Domain {
    const index = this.domains.length;
    const d = new Domain(index, this.nextDomid++ as DomId, config.name, config, config.memory, false);
    this.domains.push(d);
    this.sched.insertDomain(d);
    let prevCpu = -1;
    for (let i = 0; i < nVcpus; i++) {
      const hard = placement.hard?.[i];
      let cpu =
        placement.processor?.[i] ?? (i === 0 ? this.defaultVcpu0Location() : this.topo.online.cycle(prevCpu));
      if (hard && !hard.test(cpu)) cpu = hard.cycle(cpu);
      const v = this.vcpus.add(index, d.domid, i, cpu, this.k.now, false);
      // Created paused, as `xl create` builds a domain before unpausing it.
      this.vcpus.pauseCount[v] = 1;
      if (hard) this.vcpus.hard[v].copy(hard);
      const soft = placement.soft?.[i];
      if (soft) this.vcpus.soft[v].copy(soft);
      d.vcpus.push(v);
      prevCpu = cpu;
      this.sched.insertVcpu(v);
    }
    return d;
  }

  /** default_vcpu0_location (xen/common/domctl.c, 3.4): fewest vCPUs, second thread of a core, ties to the highest. */
  private defaultVcpu0Location(): number {
    const n = this.nrCpus;
    const cnt = new Int32Array(n);
    for (let v = n; v < this.vcpus.count; v++) cnt[this.vcpus.processor[v]]++;
    const sib0 = this.topo.siblingMask[0];
    let cpu = sib0.first();
    if (sib0.weight() > 1) cpu = sib0.next(cpu);
    const exclude = sib0;
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      if (exclude.test(i)) continue;
      const sib = this.topo.siblingMask[i];
      if (i === sib.first() && sib.weight() > 1) continue;
      if (seen.has(this.topo.coreOf[i])) continue;
      seen.add(this.topo.coreOf[i]);
      if (cnt[i] <= cnt[cpu]) cpu = i;
    }
    return cpu;
  }

  /** Boots every domain created so far: DOM_ADD records, then each vCPU unpaused (offline -> runnable). */
  start(): void {
    const now = this.k.now;
    const tr = this.trace;
    for (const d of this.domains) {
      if (tr.on) {
        tr.rec(0, now, TRC_DOM0_DOM_ADD, 1, d.domid, 0, 0, 0, 0);
        tr.rec(0, now, TRC_SCHED_DOM_ADD, 1, d.domid, 0, 0, 0, 0);
      }
    }
    for (const d of this.domains) for (const v of d.vcpus) this.vcpuUnpause(v);
  }

  // ---- runstates -------------------------------------------------------------------

  /** vcpu_runstate_change: accounts the time in the old state, traces on `cpu`'s buffer. */
  private runstateChange(v: number, to: number, cpu: number, now: number): void {
    const vt = this.vcpus;
    const from = vt.runstate[v];
    if (!runstateEdgeAllowed(from, to))
      throw new SimulationError(`vCPU ${this.vcpuName(v)}: illegal runstate change ${from} -> ${to}`);
    const tr = this.trace;
    if (tr.on)
      tr.rec(cpu, now, runstateEvent(from, to), 1, vcpuDomWord(vt.vcpuId[v], vt.domid[v]), 0, 0, 0, 0);
    // Observers see the state being left with its entry time still in place.
    const obs = this.observers;
    for (let i = 0; i < obs.length; i++) obs[i].runstateChange(v, from, to, now);
    const delta = now - vt.stateEntry[v];
    if (delta > 0) {
      vt.rsTime[v * 4 + from] += delta;
      vt.stateEntry[v] = now;
    }
    vt.runstate[v] = to;
  }

  // ---- wake, sleep, block, yield, pause (schedule.c) ------------------------------

  /** vcpu_wake: a runnable vCPU that was blocked or offline becomes runnable and the scheduler is told. */
  vcpuWake(v: number): void {
    const vt = this.vcpus;
    const now = this.k.now;
    const cpu = vt.processor[v];
    const tr = this.trace;
    if (tr.on) tr.rec(cpu, now, TRC_SCHED_WAKE, 2, vt.domid[v], vt.vcpuId[v], 0, 0, 0);
    if (vt.runnable(v)) {
      if (vt.runstate[v] >= RUNSTATE_blocked) this.runstateChange(v, RUNSTATE_runnable, cpu, now);
      this.sched.wake(v);
    } else if ((vt.pauseFlags[v] & VPF_blocked) === 0) {
      if (vt.runstate[v] === RUNSTATE_blocked) this.runstateChange(v, RUNSTATE_offline, cpu, now);
    }
  }

  /** vcpu_unblock: clears _VPF_blocked and wakes (an event arrived for a blocked vCPU). */
  vcpuUnblock(v: number): void {
    const vt = this.vcpus;
    if ((vt.pauseFlags[v] & VPF_blocked) === 0) return;
    vt.pauseFlags[v] &= ~VPF_blocked;
    this.vcpuWake(v);
  }

  /** vcpu_sleep_nosync: a vCPU that is no longer runnable leaves its runqueue or its pCPU. */
  vcpuSleep(v: number): void {
    const vt = this.vcpus;
    const now = this.k.now;
    const cpu = vt.processor[v];
    const tr = this.trace;
    if (tr.on) tr.rec(cpu, now, TRC_SCHED_SLEEP, 2, vt.domid[v], vt.vcpuId[v], 0, 0, 0);
    if (!vt.runnable(v)) {
      if (vt.runstate[v] === RUNSTATE_runnable) this.runstateChange(v, RUNSTATE_offline, cpu, now);
      this.sched.sleep(v);
    }
  }

  /** vcpu_block (SCHEDOP_block) by the running vCPU `v`: it leaves its pCPU at the next schedule. */
  vcpuBlock(v: number): void {
    const vt = this.vcpus;
    const cpu = vt.processor[v];
    if (this.currV[cpu] !== v)
      throw new SimulationError(`vCPU ${this.vcpuName(v)} blocks but is not running`);
    vt.pauseFlags[v] |= VPF_blocked;
    const tr = this.trace;
    if (tr.on) tr.rec(cpu, this.k.now, TRC_SCHED_BLOCK, 2, vt.domid[v], vt.vcpuId[v], 0, 0, 0);
    this.raiseOnExit(cpu);
  }

  /** vcpu_yield (SCHEDOP_yield) by the running vCPU `v`. */
  vcpuYield(v: number): void {
    const vt = this.vcpus;
    const cpu = vt.processor[v];
    const tr = this.trace;
    if (tr.on) tr.rec(cpu, this.k.now, TRC_SCHED_YIELD, 2, vt.domid[v], vt.vcpuId[v], 0, 0, 0);
    this.sched.yield(v);
    this.raiseOnExit(cpu);
  }

  /** vcpu_pause_nosync: nestable; the vCPU stops being runnable. */
  vcpuPause(v: number): void {
    this.vcpus.pauseCount[v]++;
    this.vcpuSleep(v);
  }

  /** vcpu_unpause: the last unpause wakes it. */
  vcpuUnpause(v: number): void {
    const vt = this.vcpus;
    if (vt.pauseCount[v] <= 0)
      throw new SimulationError(`vCPU ${this.vcpuName(v)} unpaused more than paused`);
    if (--vt.pauseCount[v] === 0) this.vcpuWake(v);
  }

  /** domain_pause / domain_unpause (`xl pause` / `xl unpause`). */
  domainPause(d: Domain): void {
    for (const v of d.vcpus) this.vcpuPause(v);
  }

  domainUnpause(d: Domain): void {
    for (const v of d.vcpus) this.vcpuUnpause(v);
  }

  /**
   * vcpu_set_hard_affinity (`xl vcpu-pin`): if the vCPU may no longer be where it is, it is
   * moved through vcpu_migrate like any migration.
   */
  setAffinity(v: number, hard: CpuMask, soft?: CpuMask): void {
    const vt = this.vcpus;
    vt.hard[v].copy(hard);
    if (soft) vt.soft[v].copy(soft);
    if (hard.test(vt.processor[v])) return;
    vt.pauseFlags[v] |= VPF_migrating;
    if (vt.isRunning[v]) this.raiseLocal(vt.processor[v]);
    else {
      this.vcpuSleep(v);
      this.vcpuMigrate(v);
    }
  }

  /**
   * vcpu_migrate: once `v` is off its pCPU, ask pick_cpu for a new one, move it there
   * and wake it (which lets the scheduler queue and tickle it on the new pCPU).
   */
  private vcpuMigrate(v: number): void {
    const vt = this.vcpus;
    if (vt.isRunning[v] || (vt.pauseFlags[v] & VPF_migrating) === 0) return;
    const cpu = this.sched.pickCpu(v);
    vt.pauseFlags[v] &= ~VPF_migrating;
    vt.processor[v] = cpu;
    this.vcpuWake(v);
  }

  // ---- softirqs and schedule() -------------------------------------------------------

  tickle(cpu: number): void {
    this.raise(cpu, this.config.costs.ipiLatency);
  }

  raiseLocal(cpu: number): void {
    this.raise(cpu, 0);
  }

  /** raise_softirq by a hypercall on its own pCPU: run at hypercall exit when the guest layer says when that is. */
  private raiseOnExit(cpu: number): void {
    if (this.deferExitSoftirq) this.exitSoftirqCpu = cpu;
    else this.raise(cpu, 0);
  }

  /**
   * The return to the guest after a hypercall (the guest layer calls it when the handler
   * in which its vCPU made hypercalls ends): a SCHEDULE_SOFTIRQ raised on the vCPU's own
   * pCPU runs now. Hot path: half the scheduler events of `sched.credit`.
   */
  hypercallExit(): void {
    const cpu = this.exitSoftirqCpu;
    if (cpu < 0) return;
    this.exitSoftirqCpu = -1;
    this.exitSoftirqs++;
    this.schedule(cpu);
  }

  private raise(cpu: number, delay: number): void {
    const t = this.softirq[cpu];
    const at = this.k.now + delay;
    if (!t.armed || t.expires > at) t.setAt(at);
  }

  private readonly onSoftirq = (_k: Kernel, cpu: number): void => {
    this.schedule(cpu);
  };

  private readonly onSliceTimer = (_k: Kernel, cpu: number): void => {
    this.schedule(cpu);
  };

  /**
   * schedule(): the SCHEDULE_SOFTIRQ handler on `cpu`. Asks the scheduler for the next
   * vCPU, re-arms the slice timer, and switches (or continues).
   * Hot path: benchmarked by `sched.credit`.
   */
  schedule(cpu: number): void {
    const now = this.k.now;
    const vt = this.vcpus;
    const prev = this.currV[cpu];
    this.schedules++;
    const sirq = this.softirq[cpu];
    if (sirq.armed && sirq.expires <= now) sirq.cancel();
    const out = this.slice;
    out.migrated = false;
    const next = this.sched.doSchedule(cpu, now, out);
    // stop_timer(s_timer) then set_timer: one re-arm (or a cancel when there is no slice).
    if (out.time >= 0) this.sTimer[cpu].set(out.time);
    else this.sTimer[cpu].cancel();
    const tr = this.trace;
    if (prev === next) {
      if (tr.on) {
        tr.rec(
          cpu,
          now,
          TRC_SCHED_SWITCH_INFCONT,
          4,
          vt.domid[next],
          vt.vcpuId[next],
          now - vt.stateEntry[next],
          out.time,
          0,
        );
        tr.rec(
          cpu,
          now,
          TRC_SCHED_CONTINUE_RUNNING,
          1,
          vcpuDomWord(vt.vcpuId[next], vt.domid[next]),
          0,
          0,
          0,
          0,
        );
      }
      return;
    }
    if (vt.processor[next] !== cpu)
      throw new SimulationError(
        `scheduler picked ${this.vcpuName(next)} for pCPU ${cpu} but its processor is ${vt.processor[next]}`,
      );
    if (tr.on) {
      const waited = vt.runstate[next] === RUNSTATE_runnable ? now - vt.stateEntry[next] : 0;
      tr.rec(
        cpu,
        now,
        TRC_SCHED_SWITCH_INFPREV,
        3,
        vt.domid[prev],
        vt.vcpuId[prev],
        now - vt.stateEntry[prev],
        0,
        0,
      );
      tr.rec(cpu, now, TRC_SCHED_SWITCH_INFNEXT, 4, vt.domid[next], vt.vcpuId[next], waited, out.time, 0);
      tr.rec(
        cpu,
        now,
        TRC_SCHED_SWITCH,
        4,
        vt.domid[prev],
        vt.vcpuId[prev],
        vt.domid[next],
        vt.vcpuId[next],
        0,
      );
    }
    const exec = this.exec;
    if (exec !== null && vt.isIdle[prev] === 0) exec.runStop(prev, now);
    const pf = vt.pauseFlags[prev];
    this.runstateChange(
      prev,
      (pf & VPF_blocked) !== 0 ? RUNSTATE_blocked : vt.runnable(prev) ? RUNSTATE_runnable : RUNSTATE_offline,
      cpu,
      now,
    );
    this.runstateChange(next, RUNSTATE_running, cpu, now);
    this.currV[cpu] = next;
    vt.isRunning[next] = 1;
    this.switches++;
    let delay = 0;
    if (vt.isIdle[next] === 0) {
      vt.ctxSwitches[next]++;
      const kind = this.topo.migrationKind(vt.lastCpu[next], cpu);
      if (kind !== MIGRATE_NONE) {
        vt.migrations[next * MIGRATION_COUNTERS + kind]++;
        delay = this.config.costs.migration;
      }
      vt.lastCpu[next] = cpu;
      delay += this.config.costs.contextSwitch;
    }
    const obs = this.observers;
    for (let i = 0; i < obs.length; i++) obs[i].switched(cpu, prev, next, now);
    if (exec !== null && vt.isIdle[next] === 0) exec.runStart(next, cpu, now, delay);
    this.contextSaved(prev, now);
  }

  /** context_saved: the previous vCPU is off the pCPU; finish a pending migration. */
  private contextSaved(prev: number, now: number): void {
    const vt = this.vcpus;
    vt.isRunning[prev] = 0;
    vt.lastRunTime[prev] = now;
    this.sched.contextSaved(prev);
    if ((vt.pauseFlags[prev] & VPF_migrating) !== 0) this.vcpuMigrate(prev);
  }

  // ---- inspection --------------------------------------------------------------------

  /** "d3v0", as Xen's printk("%pv") writes a vCPU. */
  vcpuName(v: number): string {
    const vt = this.vcpus;
    return vt.isIdle[v] ? `d[IDLE]v${vt.vcpuId[v]}` : `d${vt.domid[v]}v${vt.vcpuId[v]}`;
  }

  /** The guest vCPUs (idle vCPUs excluded), in creation order. */
  guestVcpus(): VcpuIdx[] {
    return this.domains.flatMap((d) => d.vcpus);
  }
}
