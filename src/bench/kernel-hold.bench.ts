/**
 * The hold model (Vaucher and Duval 1975; Jones 1986): N events pending; each event,
 * when it runs, schedules one new event at now + Exp(mean). The queue size stays N, so
 * the rate measures the pending-event set at that size. Goal (issue 2): >= 10 million
 * events/s at N = 1e5 in one thread.
 */
import { Exponential } from "../kernel/distributions.js";
import { type Handler, Kernel } from "../kernel/kernel.js";
import { Rng } from "../kernel/rng.js";
import { BaselineQueue } from "./baseline-heap.js";
import type { Bench, BenchParams } from "./bench-types.js";

const MEAN_NS = 1_000_000;

function holdCases(): BenchParams[] {
  return [{ n: 1e3 }, { n: 1e5 }, { n: 1e6 }];
}

function eventsFor(n: number): number {
  return Math.max(5_000_000, 3 * n);
}

export const kernelHold: Bench = {
  name: "kernel.hold",
  cases: holdCases(),
  run(params) {
    const n = Number(params.n);
    const k = new Kernel(1);
    const exp = new Exponential(k.rng("hold"), MEAN_NS);
    const hold: Handler = (kk) => {
      kk.at(exp.sample(), hold);
    };
    for (let i = 0; i < n; i++) k.at(exp.sample(), hold);
    const total = eventsFor(n);
    // Warm up the JIT and the heap shape, then time.
    for (let i = 0; i < n; i++) k.step();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < total; i++) k.step();
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    return [{ metric: "events_per_s", value: Math.round(total / secs), unit: "1/s" }];
  },
};

export const kernelHoldBaseline: Bench = {
  name: "kernel.hold.baseline",
  cases: holdCases(),
  run(params) {
    const n = Number(params.n);
    const q = new BaselineQueue();
    const exp = new Exponential(Rng.stream(1, "hold"), MEAN_NS);
    const hold = (qq: BaselineQueue): void => qq.at(exp.sample(), hold);
    for (let i = 0; i < n; i++) q.at(exp.sample(), hold);
    const total = eventsFor(n);
    for (let i = 0; i < n; i++) q.step();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < total; i++) q.step();
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    return [{ metric: "events_per_s", value: Math.round(total / secs), unit: "1/s" }];
  },
};
