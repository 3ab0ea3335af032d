import { describe, expect, it } from "vitest";
import { Constant, Exponential } from "../kernel/distributions.js";
import { Kernel } from "../kernel/kernel.js";
import { RUNSTATE_blocked, RUNSTATE_running } from "../xen/runstate.js";
import type { GuestProgram } from "./guest-driver.js";
import { buildGuestHost } from "./guest-host.js";
import { PeriodicProgram } from "./periodic.js";
import { RequestQueue } from "./requests.js";
import { IdleProgram, RogueProgram } from "./simple-programs.js";

/** One guest alone on a 1-pCPU host (dom0 idle). */
function alone(k: Kernel, programs: GuestProgram[], cpus = 1) {
  const g = buildGuestHost(k, {
    name: "h",
    topology: { sockets: 1, cores: cpus, threads: 1 },
    scheduler: { name: "credit", version: "4.2" },
    domains: [
      { name: "Domain-0", vcpus: 1, weight: 256, cap: 0, programs: [new IdleProgram()] },
      { name: "g", vcpus: programs.length, weight: 256, cap: 0, programs },
    ],
  });
  g.host.start();
  return { ...g, v: (i = 0) => g.domains[1].vcpus[i] };
}

describe("periodic", () => {
  it("alone: every 10 ms job of 1 ms completes in exactly 1 ms, none missed, 10% CPU", () => {
    const k = new Kernel(1);
    const p = new PeriodicProgram(
      { period: 10e6, run: 1e6, offset: 0, jitter: 0, deadline: 10e6, background: false },
      null,
    );
    const g = alone(k, [p]);
    k.run(1e9);
    expect(p.completed).toBe(100);
    expect(p.missed).toBe(0);
    expect(p.response.max).toBe(1e6);
    expect(g.host.vcpus.timeIn(g.v(), RUNSTATE_running, k.now)).toBe(100e6);
  });

  it("with a background burner the vCPU never blocks, and jobs still finish in 1 ms alone", () => {
    const k = new Kernel(1);
    const p = new PeriodicProgram(
      { period: 10e6, run: 1e6, offset: 0, jitter: 0, deadline: 10e6, background: true },
      null,
    );
    const g = alone(k, [p]);
    k.run(1e9);
    expect(g.host.vcpus.timeIn(g.v(), RUNSTATE_blocked, k.now)).toBe(0);
    expect(p.completed).toBe(100);
    expect(p.response.max).toBe(1e6);
  });
});

describe("requests", () => {
  it("one vCPU serving Poisson arrivals with exponential service behaves as an M/M/1 queue", () => {
    // lambda = 400/s, mu = 1000/s: W = 1 / (mu - lambda) = 1.667 ms; throughput = lambda.
    const k = new Kernel(7);
    const q = new RequestQueue(
      "web",
      new Exponential(k.rng("a"), 1e9 / 400),
      new Exponential(k.rng("s"), 1e6),
    );
    alone(k, [q.server()]);
    k.run(40e9);
    expect(Math.abs(q.completed / 40 - 400) / 400).toBeLessThan(0.02);
    expect(Math.abs(q.response.mean / 1.667e6 - 1)).toBeLessThan(0.06);
  });

  it("a shared queue is served by both vCPUs of the domain", () => {
    const k = new Kernel(3);
    const q = new RequestQueue("web", new Exponential(k.rng("a"), 1e9 / 1500), new Constant(1e6));
    const g = alone(k, [q.server(), q.server()], 2);
    k.run(2e9);
    const vt = g.host.vcpus;
    expect(vt.timeIn(g.v(0), RUNSTATE_running, k.now)).toBeGreaterThan(0.5e9);
    expect(vt.timeIn(g.v(1), RUNSTATE_running, k.now)).toBeGreaterThan(0.5e9);
    expect(q.completed).toBeGreaterThan(2800);
  });
});

describe("rogue", () => {
  it("runs 9.5 ms after each 10 ms tick and is never running at a tick instant", () => {
    const k = new Kernel(1);
    const g = alone(k, [new RogueProgram({ run: 9.5e6, tick: 10e6, phase: 0, guard: 0.25e6 })]);
    const seen: number[] = [];
    for (let t = 10e6; t <= 200e6; t += 10e6) {
      k.run(t);
      seen.push(g.host.vcpus.runstate[g.v()]);
    }
    expect(seen.every((s) => s === RUNSTATE_blocked)).toBe(true);
    expect(g.host.vcpus.timeIn(g.v(), RUNSTATE_running, k.now)).toBe(20 * 9.5e6);
  });
});
