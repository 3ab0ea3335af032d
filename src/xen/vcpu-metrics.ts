/**
 * What the hypervisor can measure about its vCPUs and pCPUs, gathered by observing the
 * scheduling core (VcpuObserver): runstate time, wake-to-run latency and runnable gaps
 * (Dunlap's RUN/PREEMPT/WAKE/BLOCK breakdown, spec scheduler.md 4 and 6), per-pCPU
 * utilisation and runqueue length, per-domain CPU in use over time, and a window of
 * who-ran-where for a Gantt chart.
 *
 * Definitions (the same as xenalyze's, so `xenlab trace summary` reproduces them):
 * a *wake latency* is the length of a runnable interval entered from blocked or
 * offline; a *preempt gap* is a runnable interval entered from running; both are
 * recorded when the interval ends, whatever it ends in.
 *
 * Hot path: benchmarked by `sched.credit` (one histogram add per runnable interval).
 */
import { LogHistogram } from "../kernel/log-histogram.js";
import { TimeWeighted } from "../kernel/time-weighted.js";
import type { VcpuObserver } from "./host-observer.js";
import { RUNSTATE_runnable, RUNSTATE_running } from "./runstate.js";
import type { XenHost } from "./xen-host.js";

export interface GanttWindow {
  from: number;
  to: number;
  /** Most segments kept (the window is cut short beyond it). */
  maxSegments: number;
}

export class VcpuMetrics implements VcpuObserver {
  /** Per vCPU: runstate entered before the current runnable interval. */
  private readonly runnableFrom: Uint8Array;
  /** Per vCPU: pCPU whose runqueue length counts it while runnable, -1 if none. */
  private readonly rqCpu: Int32Array;
  /** Runstate totals at the last reset (4 per vCPU). */
  private readonly base: Float64Array;
  readonly wakeLatency: LogHistogram[] = [];
  readonly preemptGap: LogHistogram[] = [];
  /** Per pCPU: 1 while a non-idle vCPU runs. */
  readonly busy: TimeWeighted[] = [];
  /** Per pCPU: runnable vCPUs waiting for it. */
  readonly runqLen: TimeWeighted[] = [];
  /** Per domain index: vCPUs running (CPU in use, in pCPUs). */
  readonly domRunning: TimeWeighted[] = [];
  private since = 0;
  // Gantt window: per pCPU the open segment's start; segments as flat triples per vCPU.
  private readonly segStart: Float64Array;
  readonly segments = new Map<number, number[]>();
  private segCount = 0;

  constructor(
    private readonly host: XenHost,
    private readonly gantt: GanttWindow | null,
  ) {
    const cap = host.vcpus.capacity;
    const now = host.k.now;
    this.runnableFrom = new Uint8Array(cap);
    this.rqCpu = new Int32Array(cap).fill(-1);
    this.base = new Float64Array(cap * 4);
    for (let v = 0; v < cap; v++) {
      this.wakeLatency.push(new LogHistogram());
      this.preemptGap.push(new LogHistogram());
    }
    for (let c = 0; c < host.nrCpus; c++) {
      this.busy.push(new TimeWeighted(now, 0));
      this.runqLen.push(new TimeWeighted(now, 0));
    }
    this.segStart = new Float64Array(host.nrCpus).fill(Number.NaN);
    this.since = now;
    host.addObserver(this);
  }

  /** Call after every domain exists (per-domain series). */
  addDomains(): void {
    const now = this.host.k.now;
    while (this.domRunning.length < this.host.domains.length) this.domRunning.push(new TimeWeighted(now, 0));
  }

  runstateChange(v: number, from: number, to: number, now: number): void {
    const vt = this.host.vcpus;
    if (from === RUNSTATE_runnable) {
      const d = now - vt.stateEntry[v];
      if (this.runnableFrom[v] === RUNSTATE_running) this.preemptGap[v].add(d);
      else this.wakeLatency[v].add(d);
      const c = this.rqCpu[v];
      if (c >= 0) this.runqLen[c].add(now, -1);
      this.rqCpu[v] = -1;
    }
    if (to === RUNSTATE_runnable) {
      this.runnableFrom[v] = from;
      const c = vt.processor[v];
      this.rqCpu[v] = c;
      this.runqLen[c].add(now, 1);
    }
    if (vt.isIdle[v] === 0) {
      const dr = this.domRunning[vt.dom[v]];
      if (dr !== undefined) {
        if (to === RUNSTATE_running) dr.add(now, 1);
        else if (from === RUNSTATE_running) dr.add(now, -1);
      }
    }
  }

  switched(cpu: number, prev: number, next: number, now: number): void {
    const vt = this.host.vcpus;
    if (vt.isIdle[prev] === 0) this.busy[cpu].set(now, 0);
    if (vt.isIdle[next] === 0) this.busy[cpu].set(now, 1);
    const g = this.gantt;
    if (g === null) return;
    if (!Number.isNaN(this.segStart[cpu]) && vt.isIdle[prev] === 0) this.closeSegment(prev, cpu, now);
    this.segStart[cpu] = Number.NaN;
    if (vt.isIdle[next] === 0 && now >= g.from && now < g.to && this.segCount < g.maxSegments)
      this.segStart[cpu] = now;
  }

  private closeSegment(v: number, cpu: number, now: number): void {
    const g = this.gantt!;
    const end = Math.min(now, g.to);
    let list = this.segments.get(v);
    if (list === undefined) {
      list = [];
      this.segments.set(v, list);
    }
    list.push(this.segStart[cpu], end, cpu);
    this.segCount++;
  }

  /** Closes segments still open at the end of the window or the run. */
  finishGantt(now: number): void {
    if (this.gantt === null) return;
    for (let cpu = 0; cpu < this.host.nrCpus; cpu++) {
      if (!Number.isNaN(this.segStart[cpu])) this.closeSegment(this.host.curr(cpu), cpu, now);
      this.segStart[cpu] = Number.NaN;
    }
  }

  /** End of warm-up: statistics restart, state is kept. */
  reset(now: number): void {
    const vt = this.host.vcpus;
    for (let v = 0; v < vt.count; v++) {
      for (let s = 0; s < 4; s++) this.base[v * 4 + s] = vt.timeIn(v, s, now);
      this.wakeLatency[v].reset();
      this.preemptGap[v].reset();
    }
    for (const t of this.busy) t.reset(now);
    for (const t of this.runqLen) t.reset(now);
    for (const t of this.domRunning) t.reset(now);
    this.since = now;
  }

  /** When statistics started (0 or the end of warm-up). */
  get measuredFrom(): number {
    return this.since;
  }

  /** ns in runstate `s` since the last reset. */
  timeIn(v: number, s: number, now: number): number {
    return this.host.vcpus.timeIn(v, s, now) - this.base[v * 4 + s];
  }
}
