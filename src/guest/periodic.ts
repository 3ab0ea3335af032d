/**
 * A periodic real-time job in a guest: audio or video playback. Every `period` (from
 * `offset`, each release delayed by up to `jitter`) a job of `run` ns of CPU is released
 * and must finish within `deadline` (default: the period). Jobs queue FIFO inside the
 * guest. Without `background` the vCPU blocks when no job is pending and the release
 * wakes it (a pure latency-sensitive vCPU, spec scheduler.md 7 scenario 5). With
 * `background` the guest also runs a CPU burner at lower priority than the audio
 * thread, so the vCPU never blocks and the audio job waits whenever the vCPU is not
 * scheduled (the "audio + Flash ad" mixed workload, scenario 6).
 *
 * Measured: jobs released and completed, deadline misses (finished after release +
 * deadline, or still unfinished past it at the end), response times (release to
 * completion) and start latencies (release to first CPU).
 */

import type { Kernel, Timer } from "../kernel/kernel.js";
import { LogHistogram } from "../kernel/log-histogram.js";
import type { Rng } from "../kernel/rng.js";
import type { GuestOps, GuestProgram } from "./guest-driver.js";

export interface PeriodicParams {
  period: number;
  run: number;
  offset: number;
  jitter: number;
  deadline: number;
  background: boolean;
}

/** Most jobs that can wait in the guest; beyond it, releases are dropped and counted missed. */
const MAX_PENDING = 4096;

export class PeriodicProgram implements GuestProgram {
  readonly kind = "periodic";
  readonly demand: number;
  private ops!: GuestOps;
  private v = 0;
  private release!: Timer;
  private nextNominal = 0;
  // Pending jobs as a ring of release times; the head is in service.
  private readonly ring = new Float64Array(MAX_PENDING);
  private head = 0;
  private count = 0;
  private headStarted = false;
  released = 0;
  completed = 0;
  missed = 0;
  dropped = 0;
  readonly response = new LogHistogram();
  readonly startLatency = new LogHistogram();

  constructor(
    private readonly p: PeriodicParams,
    private readonly jitterRng: Rng | null,
  ) {
    this.demand = p.background ? 1 : p.run / p.period;
  }

  start(ops: GuestOps, v: number): void {
    this.ops = ops;
    this.v = v;
    this.release = ops.k.timer(this.onRelease, v);
    this.nextNominal = this.p.offset;
    this.armRelease();
    ops.setBurst(v, this.p.background ? Number.POSITIVE_INFINITY : 0);
  }

  private armRelease(): void {
    const j = this.p.jitter > 0 && this.jitterRng ? Math.floor(this.jitterRng.next() * this.p.jitter) : 0;
    this.release.setAt(Math.max(this.ops.k.now, this.nextNominal + j));
  }

  private readonly onRelease = (k: Kernel): void => {
    const now = k.now;
    this.nextNominal += this.p.period;
    this.armRelease();
    this.released++;
    if (this.count === MAX_PENDING) {
      this.dropped++;
      this.missed++;
      return;
    }
    this.ring[(this.head + this.count) % MAX_PENDING] = now;
    this.count++;
    if (this.count === 1) {
      // The audio thread preempts the burner inside the guest, or the release wakes the vCPU.
      this.headStarted = this.ops.isRunning(this.v);
      if (this.headStarted) this.startLatency.add(0);
      this.ops.setBurst(this.v, this.p.run);
      this.ops.wake(this.v);
    }
  };

  running(now: number, on: boolean): void {
    if (on && this.count > 0 && !this.headStarted) {
      this.headStarted = true;
      this.startLatency.add(now - this.ring[this.head]);
    }
  }

  burstDone(now: number): void {
    if (this.count > 0) {
      const rel = this.ring[this.head];
      this.head = (this.head + 1) % MAX_PENDING;
      this.count--;
      this.completed++;
      this.response.add(now - rel);
      if (now - rel > this.p.deadline) this.missed++;
    }
    if (this.count > 0) {
      this.headStarted = true;
      this.startLatency.add(now - this.ring[this.head]);
      this.ops.setBurst(this.v, this.p.run);
    } else if (this.p.background) {
      this.ops.setBurst(this.v, Number.POSITIVE_INFINITY);
    } else {
      this.ops.block(this.v);
    }
  }

  /** Pending jobs already past their deadline at `now` (counted as misses in reports). */
  overdue(now: number): number {
    let n = 0;
    for (let i = 0; i < this.count; i++)
      if (now - this.ring[(this.head + i) % MAX_PENDING] > this.p.deadline) n++;
    return n;
  }

  resetStats(): void {
    this.released = this.count;
    this.completed = 0;
    this.missed = 0;
    this.dropped = 0;
    this.response.reset();
    this.startLatency.reset();
  }
}
