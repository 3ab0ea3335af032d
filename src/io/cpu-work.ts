/**
 * CPU work that device models run on vCPUs: the kernel side of a guest (interrupt
 * handlers, softirqs, tasklets, kthreads) as jobs queued on a vCPU, executed by the
 * guest layer when (and only when) the scheduler runs that vCPU. This is how netback's
 * work becomes dom0 CPU time the scheduler sees, and how an event-channel upcall waits
 * for its vCPU to be scheduled (STYLE 2: the device models get this interface injected;
 * src/guest/pv-kernel.ts implements it).
 *
 * A job is a (worker, numeric arg) pair: `begin` is called when the vCPU starts executing
 * it and returns its CPU cost in ns (so a tasklet sizes its batch from what is queued
 * when it actually runs); `end` is called when that much CPU has been consumed, and
 * carries the job's effects. Hard-IRQ jobs run before queued soft-IRQ jobs, but never
 * preempt a job already running.
 */

/** Activity categories for the CPU split (one per job). */
export const WORK = {
  app: 0,
  upcall: 1,
  nic: 2,
  netback_rx: 3,
  netback_tx: 4,
  netfront: 5,
  blkback: 6,
  blkfront: 7,
} as const;
export type WorkCategory = (typeof WORK)[keyof typeof WORK];
export const WORK_NAMES: readonly string[] = [
  "app",
  "evtchn upcall",
  "NIC driver + bridge",
  "netback rx",
  "netback tx",
  "netfront",
  "blkback",
  "blkfront",
];
export const WORK_COUNT = WORK_NAMES.length;

export interface KernelWorker {
  readonly category: number;
  /** The vCPU starts this job at `now`: returns its CPU cost in ns. */
  begin(arg: number, now: number): number;
  /** The job's CPU has been consumed: apply its effects. */
  end(arg: number, now: number): void;
}

export interface CpuWork {
  /** Queues a job on host vCPU `v` (waking it through the scheduler if it is blocked). */
  post(v: number, worker: KernelWorker, arg: number, hardirq: boolean): void;
}
