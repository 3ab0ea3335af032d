/**
 * Hooks the scheduling core calls as vCPUs change state, for the consumers above the
 * hypervisor: metrics (vcpu-metrics.ts) observe runstates and switches; the guest layer
 * (src/guest) is told when its vCPU starts and stops executing, to run its program.
 * Trace records go separately to a TraceSink (trace/trace-sink.ts).
 */

export interface VcpuObserver {
  /** vcpu_runstate_change(v, to, now), called before the change: v is still in `from` since its entry time. */
  runstateChange(v: number, from: number, to: number, now: number): void;
  /** A context switch on `cpu` from `prev` to `next` (both may be idle vCPUs). */
  switched(cpu: number, prev: number, next: number, now: number): void;
}

/** The guest side of a vCPU: told when it executes, so it can consume work and block. */
export interface VcpuExec {
  /** `v` runs on `cpu` from `now`; guest code starts after `delay` ns (switch and migration cost). */
  runStart(v: number, cpu: number, now: number, delay: number): void;
  /** `v` stops running at `now` (preempted, blocked, yielded, paused). */
  runStop(v: number, now: number): void;
}
