/**
 * The kernel half of a PV guest's vCPU: runs the device models' CPU work (interrupt
 * handlers, softirqs, tasklets, kthreads: io/cpu-work.ts) on the vCPU ahead of the
 * application program, and implements CpuWork for the host.
 *
 * Design. Each vCPU's program is wrapped in a PvVcpu, which stands between the guest
 * driver (guest-driver.ts: one burst of CPU at a time) and the application program:
 * - A job posted to the vCPU becomes the vCPU's burst at once if the vCPU is executing
 *   (an interrupt preempts user code; what the application had left is kept), or when
 *   the scheduler next runs it (a blocked vCPU is woken through vcpu_unblock, so the job
 *   waits for the scheduler like any wake-up).
 * - `begin` is called when the vCPU starts the job, `end` when its cost is consumed.
 *   Hard-IRQ jobs go before queued soft-IRQ jobs; a running job is never preempted.
 * - When no job is left the application resumes: its remaining burst, or SCHEDOP_block
 *   if it had blocked meanwhile. The application sees the usual GuestOps through a
 *   proxy, so every existing program runs unchanged under it.
 * CPU time per (domain, activity) is accounted as each job starts.
 */
import { type CpuWork, type KernelWorker, WORK_COUNT } from "../io/cpu-work.js";
import type { Kernel } from "../kernel/kernel.js";
import type { XenHost } from "../xen/xen-host.js";
import type { GuestOps, GuestProgram } from "./guest-driver.js";

const QUEUE = 64;

export class PvKernel implements CpuWork {
  private readonly byVcpu: (PvVcpu | undefined)[] = [];
  /** ns of CPU per (domain index, WORK category). */
  busy: Float64Array;
  /** Jobs run per (domain index, WORK category). */
  jobs: Float64Array;

  /** Set once the host is built (programs are attached while it is being built). */
  host!: XenHost;

  constructor() {
    this.busy = new Float64Array(8 * WORK_COUNT);
    this.jobs = new Float64Array(8 * WORK_COUNT);
  }

  /** Wraps an application program; the returned program is what the vCPU runs. */
  wrap(app: GuestProgram): PvVcpu {
    return new PvVcpu(this, app);
  }

  register(v: number, p: PvVcpu): void {
    this.byVcpu[v] = p;
  }

  post(v: number, worker: KernelWorker, arg: number, hardirq: boolean): void {
    const p = this.byVcpu[v];
    if (p === undefined) throw new RangeError(`vCPU ${v} has no PV kernel to run I/O work`);
    p.post(worker, arg, hardirq);
  }

  charge(dom: number, category: number, ns: number): void {
    const need = (dom + 1) * WORK_COUNT;
    if (this.busy.length < need) {
      const b = new Float64Array(need * 2);
      b.set(this.busy);
      this.busy = b;
      const j = new Float64Array(need * 2);
      j.set(this.jobs);
      this.jobs = j;
    }
    this.busy[dom * WORK_COUNT + category] += ns;
    this.jobs[dom * WORK_COUNT + category]++;
  }

  busyNs(dom: number, category: number): number {
    return this.busy[dom * WORK_COUNT + category];
  }

  resetStats(): void {
    this.busy.fill(0);
    this.jobs.fill(0);
  }
}

/** A job queue (ring of worker/arg pairs). */
class JobRing {
  readonly workers: (KernelWorker | null)[] = new Array(QUEUE).fill(null);
  args = new Float64Array(QUEUE);
  head = 0;
  length = 0;

  push(w: KernelWorker, arg: number): void {
    if (this.length === this.workers.length) this.grow();
    const i = (this.head + this.length) % this.workers.length;
    this.workers[i] = w;
    this.args[i] = arg;
    this.length++;
  }

  private grow(): void {
    const n = this.workers.length * 2;
    const w: (KernelWorker | null)[] = new Array(n).fill(null);
    const a = new Float64Array(n);
    for (let i = 0; i < this.length; i++) {
      w[i] = this.workers[(this.head + i) % this.workers.length];
      a[i] = this.args[(this.head + i) % this.workers.length];
    }
    this.workers.splice(0, this.workers.length, ...w);
    this.args = a;
    this.head = 0;
  }
}

export class PvVcpu implements GuestProgram, GuestOps {
  readonly kind: string;
  readonly demand: number;
  private ops!: GuestOps;
  private v = -1;
  private dom = -1;
  private readonly irqQ = new JobRing();
  private readonly softQ = new JobRing();
  private job: KernelWorker | null = null;
  private jobArg = 0;
  private started = false;
  /** The application's remaining burst while kernel work runs. */
  private appLeft = 0;
  private appBlocked = false;

  constructor(
    private readonly kernel: PvKernel,
    readonly app: GuestProgram,
  ) {
    this.kind = app.kind;
    this.demand = app.demand;
  }

  get k(): Kernel {
    return this.ops.k;
  }

  start(ops: GuestOps, v: number): void {
    this.ops = ops;
    this.v = v;
    this.kernel.register(v, this);
    this.app.start(this, v);
  }

  // ---- CpuWork for this vCPU -----------------------------------------------------------

  post(worker: KernelWorker, arg: number, hardirq: boolean): void {
    (hardirq ? this.irqQ : this.softQ).push(worker, arg);
    if (this.job === null) {
      this.appLeft = this.appBlocked ? 0 : this.ops.burstLeft(this.v);
      this.next();
    }
  }

  /** Starts the next job, or hands the vCPU back to the application. */
  private next(): void {
    const q = this.irqQ.length > 0 ? this.irqQ : this.softQ.length > 0 ? this.softQ : null;
    if (q === null) {
      this.job = null;
      if (this.appBlocked) {
        this.ops.setBurst(this.v, 0);
        if (this.ops.isRunning(this.v)) this.ops.block(this.v);
      } else this.ops.setBurst(this.v, this.appLeft);
      return;
    }
    const i = q.head;
    this.job = q.workers[i];
    this.jobArg = q.args[i];
    q.workers[i] = null;
    q.head = (i + 1) % q.workers.length;
    q.length--;
    this.started = false;
    // vcpu_unblock (a no-op unless the vCPU is blocked, or is blocking at this instant).
    this.ops.wake(this.v);
    if (this.ops.isRunning(this.v)) this.begin(this.ops.k.now);
    else this.ops.setBurst(this.v, 0);
  }

  private begin(now: number): void {
    this.started = true;
    const job = this.job!;
    const cost = job.begin(this.jobArg, now);
    if (this.dom < 0) this.dom = this.kernel.host.vcpus.dom[this.v];
    this.kernel.charge(this.dom, job.category, cost);
    this.ops.setBurst(this.v, cost);
  }

  running(now: number, on: boolean): void {
    if (on && this.job !== null && !this.started) this.begin(now);
    this.app.running?.(now, on);
  }

  burstDone(now: number): void {
    const job = this.job;
    if (job === null) {
      this.app.burstDone(now);
      return;
    }
    if (!this.started) {
      // Guest code started with the placeholder burst of 0: begin the job now.
      this.begin(now);
      return;
    }
    this.job = null;
    job.end(this.jobArg, now);
    if (this.job === null) this.next();
  }

  resetStats(now: number): void {
    this.app.resetStats(now);
  }

  // ---- GuestOps proxy for the application ----------------------------------------------

  setBurst(v: number, ns: number): void {
    if (this.job !== null) this.appLeft = ns;
    else this.ops.setBurst(v, ns);
  }

  burstLeft(v: number): number {
    return this.job !== null ? this.appLeft : this.ops.burstLeft(v);
  }

  block(v: number): void {
    this.appBlocked = true;
    if (this.job === null) this.ops.block(v);
  }

  yield(v: number): void {
    if (this.job === null) this.ops.yield(v);
  }

  wake(v: number): void {
    this.appBlocked = false;
    if (this.job === null) this.ops.wake(v);
  }

  isRunning(v: number): boolean {
    return this.ops.isRunning(v);
  }
}
