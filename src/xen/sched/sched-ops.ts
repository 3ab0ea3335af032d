/**
 * The scheduler interface, shaped like Xen's `struct scheduler` (xen/include/xen/sched-if.h
 * in 3.4-4.x, xen/common/sched/private.h today), so Credit, Credit2, RTDS and others plug
 * into the scheduling core (xen-host.ts, the model of schedule.c) without touching it.
 *
 * Xen op            -> here
 *   init/init_pdata -> init()              per-pCPU data, tickers and other scheduler timers
 *   init_domain     -> insertDomain(d)
 *   insert_vcpu     -> insertVcpu(v)       (3.4/4.0: sched_init_vcpu; placement done by the core)
 *   remove_vcpu     -> removeVcpu(v)
 *   sleep / wake    -> sleep(v) / wake(v)
 *   yield           -> yield(v)
 *   context_saved   -> contextSaved(v)
 *   pick_cpu        -> pickCpu(v)          (vcpu_migrate and insert)
 *   do_schedule     -> doSchedule(cpu, now, out): next vCPU, out.time = slice (-1: none)
 *   adjust          -> adjust(d, params)   (XEN_DOMCTL_SCHEDOP_putinfo)
 *   adjust_global   -> adjustGlobal(params) (XEN_SYSCTL_SCHEDOP_putinfo)
 *   dump_settings   -> dumpSettings()      ('r' debug key)
 *   dump_cpu_state  -> dumpCpuState(cpu)
 *
 * vCPUs are VcpuIdx numbers into the host's VcpuTable; a scheduler keeps its own
 * per-vCPU and per-pCPU state in typed arrays sized from the table's capacity.
 */

import type { Topology } from "../../hw/topology.js";
import type { Kernel } from "../../kernel/kernel.js";
import type { Domain } from "../domain.js";
import type { TraceSink } from "../trace/trace-sink.js";
import type { VcpuTable } from "../vcpu-table.js";

/** struct task_slice: what do_schedule returns besides the next vCPU. */
export interface TaskSlice {
  /** ns until the core should call schedule again on this pCPU; -1 for no limit. */
  time: number;
  /** The next vCPU was taken from another pCPU's runqueue. */
  migrated: boolean;
}

/** Parameters of `adjust`/`adjustGlobal`, by Xen's names (weight, cap, tslice_ms, ratelimit_us...). */
export type SchedParams = Readonly<Record<string, number>>;

/** What the scheduling core offers a scheduler (the parts of schedule.c it calls). */
export interface SchedHost {
  readonly k: Kernel;
  readonly topo: Topology;
  readonly vcpus: VcpuTable;
  readonly domains: readonly Domain[];
  readonly trace: TraceSink;
  /** curr_on_cpu(cpu): the vCPU running there (its idle vCPU when idle). */
  curr(cpu: number): number;
  /** idle_vcpu[cpu]. */
  idleVcpu(cpu: number): number;
  /** cpu_raise_softirq(cpu, SCHEDULE_SOFTIRQ) sent as an IPI: schedule runs there after the IPI latency. */
  tickle(cpu: number): void;
  /** raise_softirq on the pCPU itself (no IPI). */
  raiseLocal(cpu: number): void;
  /** vcpu_pause_nosync / vcpu_unpause (cap parking). */
  vcpuPause(v: number): void;
  vcpuUnpause(v: number): void;
}

export interface SchedulerOps {
  /** As Xen prints it: "SMP Credit Scheduler". */
  readonly name: string;
  /** The `sched=` option name: "credit". */
  readonly optName: string;
  /** XEN_SCHEDULER_* id. */
  readonly schedId: number;
  init(): void;
  insertDomain(d: Domain): void;
  insertVcpu(v: number): void;
  removeVcpu(v: number): void;
  sleep(v: number): void;
  wake(v: number): void;
  yield(v: number): void;
  contextSaved(v: number): void;
  pickCpu(v: number): number;
  doSchedule(cpu: number, now: number, out: TaskSlice): number;
  adjust(d: Domain, params: SchedParams): void;
  adjustGlobal(params: SchedParams): void;
  /** Global parameters now (tslice_ms, ratelimit_us, ...), for tables and dumps. */
  globals(): Record<string, number>;
  dumpSettings(): string[];
  dumpCpuState(cpu: number): string[];
}
