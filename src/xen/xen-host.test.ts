import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GuestProgram } from "../guest/guest-driver.js";
import { buildGuestHost, type GuestDomainSpec } from "../guest/guest-host.js";
import { HogProgram, IdleProgram, PhasesProgram } from "../guest/simple-programs.js";
import { CpuMask } from "../hw/cpumask.js";
import { Constant, Exponential } from "../kernel/distributions.js";
import { Kernel } from "../kernel/kernel.js";
import { debugKey } from "./debug-keys.js";
import {
  RUNSTATE_blocked,
  RUNSTATE_offline,
  RUNSTATE_runnable,
  RUNSTATE_running,
  runstateEdgeAllowed,
} from "./runstate.js";
import { traceEventName } from "./trace/trace-ids.js";
import { TraceEventLog } from "./trace/trace-sink.js";

function dom(name: string, programs: GuestProgram[], extra: Partial<GuestDomainSpec> = {}): GuestDomainSpec {
  return { name, vcpus: programs.length, weight: 256, cap: 0, programs, ...extra };
}

function host(domains: GuestDomainSpec[], cpus = 1, version = "4.2", trace?: TraceEventLog) {
  const k = new Kernel(1);
  const g = buildGuestHost(k, {
    name: "h",
    topology: { sockets: 1, cores: cpus, threads: 1 },
    scheduler: { name: "credit", version },
    domains: [dom("Domain-0", [new IdleProgram()]), ...domains],
    trace,
  });
  return { k, ...g };
}

describe("runstates", () => {
  it("allow exactly Xen's edges", () => {
    const ok = [
      [RUNSTATE_running, RUNSTATE_runnable],
      [RUNSTATE_running, RUNSTATE_blocked],
      [RUNSTATE_running, RUNSTATE_offline],
      [RUNSTATE_runnable, RUNSTATE_running],
      [RUNSTATE_runnable, RUNSTATE_offline],
      [RUNSTATE_blocked, RUNSTATE_runnable],
      [RUNSTATE_blocked, RUNSTATE_offline],
      [RUNSTATE_offline, RUNSTATE_runnable],
    ];
    for (let a = 0; a < 4; a++)
      for (let b = 0; b < 4; b++)
        expect(runstateEdgeAllowed(a, b)).toBe(ok.some(([x, y]) => x === a && y === b));
  });

  it("sum to the time since creation for every vCPU, whatever the workload mix", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 1000 }), (cpus, seed) => {
        const k = new Kernel(seed);
        const g = buildGuestHost(k, {
          name: "h",
          topology: { sockets: 1, cores: cpus, threads: 1 },
          scheduler: { name: "credit", version: seed % 2 ? "3.4" : "4.3" },
          domains: [
            dom("Domain-0", [new IdleProgram()]),
            dom("hogs", [new HogProgram(), new HogProgram()]),
            dom("io", [
              new PhasesProgram([
                { run: new Exponential(k.rng("r"), 300_000), block: new Exponential(k.rng("b"), 2e6) },
              ]),
            ]),
            dom("capped", [new HogProgram()], { cap: 40 }),
          ],
        });
        g.host.start();
        k.run(200e6);
        const vt = g.host.vcpus;
        for (let v = 0; v < vt.count; v++) {
          const total = [0, 1, 2, 3].reduce((s, st) => s + vt.timeIn(v, st, k.now), 0);
          expect(total).toBe(200e6);
        }
        for (let c = 0; c < cpus; c++) {
          const cur = g.host.curr(c);
          expect(vt.runstate[cur]).toBe(RUNSTATE_running);
          expect(vt.processor[cur]).toBe(c);
        }
      }),
      { numRuns: 20 },
    );
  });
});

describe("the scheduling core", () => {
  it("traces a switch as Xen 4.17 does: INFPREV, INFNEXT, SWITCH, then both runstate changes", () => {
    const log = new TraceEventLog();
    const h = host([dom("hog", [new HogProgram()])], 1, "4.2", log);
    h.host.start();
    h.k.run(0);
    const names: string[] = [];
    for (let i = 0; i < log.length; i++) names.push(traceEventName(log.event[i]));
    const at = names.indexOf("switch_infprev");
    expect(names.slice(at, at + 5)).toEqual([
      "switch_infprev",
      "switch_infnext",
      "switch",
      "runstate_change running->runnable",
      "runstate_change runnable->running",
    ]);
    // The idle vCPU of pCPU 0 (d32767v0) hands over to dom0's vCPU (d0v0).
    expect(log.payload(at + 2)).toEqual([0x7fff, 0, 0, 0]);
  });

  it("pauses a domain (its vCPUs go offline) and unpauses it", () => {
    const h = host([dom("hog", [new HogProgram()])]);
    h.host.start();
    h.k.run(50e6);
    const d = h.host.domains[1];
    const v = d.vcpus[0];
    h.host.domainPause(d);
    h.k.run(100e6);
    expect(h.host.vcpus.runstate[v]).toBe(RUNSTATE_offline);
    h.host.domainUnpause(d);
    h.k.run(150e6);
    expect(h.host.vcpus.runstate[v]).toBe(RUNSTATE_running);
    expect(h.host.vcpus.timeIn(v, RUNSTATE_offline, h.k.now)).toBe(50e6);
  });

  it("moves a vCPU whose hard affinity no longer includes its pCPU (xl vcpu-pin)", () => {
    const h = host([dom("a", [new HogProgram()])], 2);
    h.host.start();
    h.k.run(20e6);
    const v = h.host.domains[1].vcpus[0];
    const other = 1 - h.host.vcpus.processor[v];
    h.host.setAffinity(v, CpuMask.of(2, [other]));
    h.k.run(40e6);
    expect(h.host.vcpus.processor[v]).toBe(other);
    expect(h.host.curr(other)).toBe(v);
  });

  it("runs the SCHEDULE_SOFTIRQ of a block at hypercall exit, not through the event queue", () => {
    // An I/O vCPU runs 1 ms then blocks 9 ms, next to a hog on one pCPU: every block
    // switches to the hog inside the burst-end handler, with no softirq event queued.
    const io = new PhasesProgram([{ run: new Constant(1e6), block: new Constant(9e6) }]);
    const h = host([dom("io", [io]), dom("hog", [new HogProgram()])]);
    h.host.start();
    h.k.run(100e6);
    const v = h.host.domains[1].vcpus[0];
    expect(h.host.exitSoftirqs).toBeGreaterThanOrEqual(10);
    expect(h.host.vcpus.timeIn(v, RUNSTATE_running, h.k.now)).toBe(10e6);
    // Outside a guest handler (a test calling the hypercall directly) it is queued as before.
    const hog = h.host.domains[2].vcpus[0];
    h.k.run(h.k.now + 5e6);
    expect(h.host.curr(0)).toBe(hog);
    const before = h.host.exitSoftirqs;
    h.host.vcpuYield(hog);
    expect(h.host.exitSoftirqs).toBe(before);
    h.k.run(h.k.now);
    expect(h.host.schedules).toBeGreaterThan(0);
  });

  it("answers debug keys r and q in the Xen console's words", () => {
    const h = host([dom("hog", [new HogProgram(), new HogProgram()])]);
    h.host.start();
    h.k.run(100e6);
    const r = debugKey(h.host, "r").join("\n");
    expect(r).toContain("(XEN) 'r' pressed -> dumping run queues");
    expect(r).toContain("(XEN) Scheduler: SMP Credit Scheduler (credit)");
    expect(r).toMatch(/\(XEN\) CPU\[00\] {2}sort=\d+, sibling=1, core=1/);
    expect(r).toMatch(/\(XEN\) \trun: \[1\.\d\] pri=-?\d+ flags=0 cpu=0 credit=-?\d+ \[w=256,cap=0\]/);
    const q = debugKey(h.host, "q").join("\n");
    expect(q).toContain("(XEN) General information for domain 1:");
    expect(q).toMatch(/\(XEN\) {5}VCPU1: CPU0 \[has=[TF]\]/);
  });
});

describe("guest work on the host", () => {
  it("a 1 ms run / 9 ms block vCPU alone gets exactly 10% and no wake latency", () => {
    const h = host([dom("io", [new PhasesProgram([{ run: new Constant(1e6), block: new Constant(9e6) }])])]);
    h.host.start();
    h.k.run(1e9);
    const v = h.host.domains[1].vcpus[0];
    expect(h.host.vcpus.timeIn(v, RUNSTATE_running, h.k.now)).toBeCloseTo(0.1e9, -6);
    expect(h.metrics.wakeLatency[v].max).toBe(0);
  });
});
