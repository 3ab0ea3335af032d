/**
 * The simplest guest programs: idle (blocks at once and stays blocked), hog (always
 * runnable: an endless burst), phases (Dunlap's sched-sim workload: a cyclic list of
 * run bursts and block times, each fixed or drawn from a distribution), and rogue (the
 * Credit 3.4 accounting attack of `78c9b2a64b`: a guest that knows the scheduler's tick
 * phase, runs for `run` after each tick and blocks across the next tick instant, so
 * sampled accounting never finds it running).
 */
import type { Distribution } from "../kernel/distributions.js";
import type { Kernel, Timer } from "../kernel/kernel.js";
import type { GuestOps, GuestProgram } from "./guest-driver.js";

/** A vCPU with nothing to do: it blocks the first time it runs and is never woken. */
export class IdleProgram implements GuestProgram {
  readonly kind = "idle";
  readonly demand = 0;
  private ops!: GuestOps;
  private v = 0;
  start(ops: GuestOps, v: number): void {
    this.ops = ops;
    this.v = v;
    ops.setBurst(v, 0);
  }
  burstDone(): void {
    this.ops.block(this.v);
  }
  resetStats(): void {}
}

/** A CPU hog: always runnable, never blocks. */
export class HogProgram implements GuestProgram {
  readonly kind = "hog";
  readonly demand = 1;
  start(ops: GuestOps, v: number): void {
    ops.setBurst(v, Number.POSITIVE_INFINITY);
  }
  burstDone(): void {}
  resetStats(): void {}
}

export interface Phase {
  run: Distribution;
  block: Distribution;
}

/** Cyclic run/block phases; a block time of 0 runs the next phase at once. */
export class PhasesProgram implements GuestProgram {
  readonly kind = "phases";
  readonly demand: number;
  private ops!: GuestOps;
  private v = 0;
  private i = 0;
  private timer!: Timer;

  constructor(private readonly phases: readonly Phase[]) {
    const run = phases.reduce((s, p) => s + p.run.mean, 0);
    const block = phases.reduce((s, p) => s + p.block.mean, 0);
    this.demand = run + block > 0 ? run / (run + block) : 0;
  }

  start(ops: GuestOps, v: number): void {
    this.ops = ops;
    this.v = v;
    this.timer = ops.k.timer(this.onWake, v);
    ops.setBurst(v, this.phases[0].run.sample());
  }

  burstDone(): void {
    const block = this.phases[this.i].block.sample();
    this.i = (this.i + 1) % this.phases.length;
    if (block <= 0) {
      this.ops.setBurst(this.v, this.phases[this.i].run.sample());
      return;
    }
    this.ops.setBurst(this.v, 0);
    this.ops.block(this.v);
    this.timer.set(block);
  }

  private readonly onWake = (_k: Kernel): void => {
    this.ops.setBurst(this.v, this.phases[this.i].run.sample());
    this.ops.wake(this.v);
  };

  resetStats(): void {}
}

export interface RogueParams {
  /** CPU to burn after each tick (9.5 ms in the published attack). */
  run: number;
  /** The scheduler tick period it has learnt (10 ms for Credit). */
  tick: number;
  /** Time of one tick instant (ticks at phase + k * tick). */
  phase: number;
  /** How long after a tick it wakes (default: half the idle gap, (tick - run) / 2). */
  guard: number;
}

/** Runs `run` after each tick, then sleeps across the next tick instant. */
export class RogueProgram implements GuestProgram {
  readonly kind = "rogue";
  readonly demand: number;
  private ops!: GuestOps;
  private v = 0;
  private timer!: Timer;

  constructor(private readonly p: RogueParams) {
    this.demand = p.run / p.tick;
  }

  start(ops: GuestOps, v: number): void {
    this.ops = ops;
    this.v = v;
    this.timer = ops.k.timer(this.onWake, v);
    ops.setBurst(v, 0);
  }

  /** Blocks until `guard` after the next tick instant. */
  burstDone(now: number): void {
    const { tick, phase, guard } = this.p;
    const k = Math.floor((now - phase - guard) / tick) + 1;
    this.ops.block(this.v);
    this.timer.setAt(Math.max(now, phase + k * tick + guard));
  }

  private readonly onWake = (_k: Kernel): void => {
    this.ops.setBurst(this.v, this.p.run);
    this.ops.wake(this.v);
  };

  resetStats(): void {}
}
