/**
 * Runs guest programs on the host's vCPUs: the guest side of every vCPU (VcpuExec).
 *
 * Design (Dunlap's sched-sim phase model, spec scheduler.md 4): a vCPU's program gives it
 * a *burst* of CPU work (ns of execution, Infinity for a spinner). While the vCPU runs,
 * the burst is consumed one ns per ns from the moment guest code starts (after any
 * switch or migration cost); a preemption keeps the remainder. When a burst is used up
 * the program decides what the guest does next: another burst, SCHEDOP_block until an
 * event it arranges (a timer, a request), or SCHEDOP_yield. One re-armable completion
 * timer per vCPU, so nothing is allocated per event.
 *
 * Hot path: benchmarked by `sched.credit`.
 */
import type { Kernel, Timer } from "../kernel/kernel.js";
import type { VcpuExec } from "../xen/host-observer.js";
import type { XenHost } from "../xen/xen-host.js";

/** What a guest program may ask of its vCPU. */
export interface GuestOps {
  readonly k: Kernel;
  /** Replaces the vCPU's current burst with `ns` of work (what ran so far is consumed first). */
  setBurst(v: number, ns: number): void;
  /** Work left in the current burst (as of now). */
  burstLeft(v: number): number;
  /** SCHEDOP_block by the running vCPU. */
  block(v: number): void;
  /** SCHEDOP_yield by the running vCPU. */
  yield(v: number): void;
  /** An event for the vCPU (vcpu_unblock): wakes it if it is blocked. */
  wake(v: number): void;
  /** Whether the vCPU is executing guest code now. */
  isRunning(v: number): boolean;
}

/** A workload program bound to one vCPU. */
export interface GuestProgram {
  /** Workload type, as in the scenario ("hog", "periodic", ...). */
  readonly kind: string;
  /** Long-run CPU demand in pCPUs (1 for a spinner), for the fairness ideal. */
  readonly demand: number;
  /** Before the host starts: initial burst, first timers. */
  start(ops: GuestOps, v: number): void;
  /** The current burst has been consumed (the vCPU is running). */
  burstDone(now: number): void;
  /** The vCPU started (true) or stopped (false) running, for programs that care. */
  running?(now: number, on: boolean): void;
  resetStats(now: number): void;
}

export class GuestDriver implements VcpuExec, GuestOps {
  readonly k: Kernel;
  private readonly programs: (GuestProgram | undefined)[] = [];
  private readonly workLeft: Float64Array;
  /** When guest code started (or will start) in the current run; NaN when not running. */
  private readonly startAt: Float64Array;
  private readonly done: Timer[] = [];

  constructor(private readonly host: XenHost) {
    this.k = host.k;
    const cap = host.vcpus.capacity;
    this.workLeft = new Float64Array(cap);
    this.startAt = new Float64Array(cap).fill(Number.NaN);
    host.exec = this;
  }

  /** Binds `program` to vCPU `v` (before host.start()). */
  attach(v: number, program: GuestProgram): void {
    this.programs[v] = program;
    while (this.done.length <= v) this.done.push(this.k.timer(this.onDone, this.done.length));
    program.start(this, v);
  }

  program(v: number): GuestProgram | undefined {
    return this.programs[v];
  }

  // ---- VcpuExec (called by the scheduling core) --------------------------------------

  runStart(v: number, _cpu: number, now: number, delay: number): void {
    const start = now + delay;
    this.startAt[v] = start;
    const left = this.workLeft[v];
    if (left !== Number.POSITIVE_INFINITY) this.done[v].setAt(start + left);
    this.programs[v]?.running?.(now, true);
  }

  runStop(v: number, now: number): void {
    this.consume(v, now);
    this.startAt[v] = Number.NaN;
    if (v < this.done.length) this.done[v].cancel();
    this.programs[v]?.running?.(now, false);
  }

  // ---- GuestOps (called by programs) -------------------------------------------------

  setBurst(v: number, ns: number): void {
    const now = this.k.now;
    this.consume(v, now);
    this.workLeft[v] = ns;
    const start = this.startAt[v];
    if (Number.isNaN(start)) return;
    const t = this.done[v];
    if (ns === Number.POSITIVE_INFINITY) t.cancel();
    else t.setAt(Math.max(start, now) + ns);
  }

  burstLeft(v: number): number {
    this.consume(v, this.k.now);
    return this.workLeft[v];
  }

  block(v: number): void {
    this.host.vcpuBlock(v);
  }

  yield(v: number): void {
    this.host.vcpuYield(v);
  }

  wake(v: number): void {
    this.host.vcpuUnblock(v);
  }

  isRunning(v: number): boolean {
    return !Number.isNaN(this.startAt[v]);
  }

  /** Charges the work done since guest code started (no-op when not running). */
  private consume(v: number, now: number): void {
    const start = this.startAt[v];
    if (Number.isNaN(start) || now <= start) return;
    const left = this.workLeft[v];
    if (left !== Number.POSITIVE_INFINITY) this.workLeft[v] = Math.max(0, left - (now - start));
    this.startAt[v] = now;
  }

  private readonly onDone = (k: Kernel, v: number): void => {
    this.startAt[v] = k.now;
    this.workLeft[v] = 0;
    // The program runs in guest context on v's pCPU: a block or yield it makes is a
    // hypercall whose SCHEDULE_SOFTIRQ runs on the way back, when the handler ends.
    const host = this.host;
    host.deferExitSoftirq = true;
    this.programs[v]?.burstDone(k.now);
    host.deferExitSoftirq = false;
    host.hypercallExit();
  };
}
