import { describe, expect, it } from "vitest";
import type { GuestProgram } from "../../guest/guest-driver.js";
import { buildGuestHost } from "../../guest/guest-host.js";
import { HogProgram, IdleProgram } from "../../guest/simple-programs.js";
import { Kernel } from "../../kernel/kernel.js";
import {
  type CreditScheduler,
  CSCHED_PRI_IDLE,
  CSCHED_PRI_TS_BOOST,
  CSCHED_PRI_TS_OVER,
  CSCHED_PRI_TS_UNDER,
} from "./credit.js";
import { checkCreditParams, creditFlagsFor, defaultCreditParams } from "./credit-params.js";

function setup(
  programs: GuestProgram[][],
  opts: { cpus?: number; version?: string; weights?: number[] } = {},
) {
  const k = new Kernel(1);
  const g = buildGuestHost(k, {
    name: "h",
    topology: { sockets: 1, cores: opts.cpus ?? 1, threads: 1 },
    scheduler: { name: "credit", version: opts.version ?? "4.2" },
    domains: [
      { name: "Domain-0", vcpus: 1, weight: 256, cap: 0, programs: [new IdleProgram()] },
      ...programs.map((p, i) => ({
        name: `d${i + 1}`,
        vcpus: p.length,
        weight: opts.weights?.[i] ?? 256,
        cap: 0,
        programs: p,
      })),
    ],
  });
  return { k, ...g, cs: g.host.sched as CreditScheduler, v: (d: number, i = 0) => g.domains[d].vcpus[i] };
}

describe("Credit's runqueue", () => {
  it("wakes UNDER vCPUs as BOOST, queued ahead of UNDER ones, FIFO inside a priority, idle at the tail", () => {
    const s = setup([[new HogProgram()], [new HogProgram()], [new HogProgram()]]);
    s.host.start();
    s.k.run(0);
    // d1 runs (the first to wake after dom0 blocked); d2, d3 queued BOOST in wake order.
    expect(s.host.curr(0)).toBe(s.v(1));
    expect(s.cs.runqueue(0)).toEqual([s.v(2), s.v(3), 0]);
    expect([...s.cs.runqueue(0)].map((v) => s.cs.pri[v])).toEqual([
      CSCHED_PRI_TS_BOOST,
      CSCHED_PRI_TS_BOOST,
      CSCHED_PRI_IDLE,
    ]);
    // The 10 ms tick demotes the running BOOST vCPU to UNDER; at 30 ms it goes behind the others.
    s.k.run(30e6);
    expect(s.host.curr(0)).toBe(s.v(2));
    expect(s.cs.runqueue(0)).toEqual([s.v(3), s.v(1), 0]);
  });

  it("3.4 debits a whole tick (100 credits) from whoever runs at a tick; 4.0 debits exactly", () => {
    for (const [version, after10ms] of [
      ["3.4", -100],
      ["4.0", -100],
    ] as const) {
      const s = setup([[new HogProgram()]], { version });
      s.host.start();
      s.k.run(10e6);
      expect(s.cs.credit[s.v(1)]).toBe(after10ms);
    }
    // A vCPU that runs 1 ms and is paused before any tick: 3.4 never charges it, 4.0 does (10 credits).
    for (const [version, expected] of [
      ["3.4", 0],
      ["4.0", -10],
    ] as const) {
      const s = setup([[new HogProgram()], [new HogProgram()]], { version });
      s.host.start();
      s.k.run(1e6);
      s.host.vcpuPause(s.v(1));
      s.k.run(5e6);
      expect(s.cs.credit[s.v(1)]).toBe(expected);
    }
  });

  it("accounting shares 300 credits per pCPU by weight among active vCPUs (1:2 for 256:512)", () => {
    const s = setup([[new HogProgram()], [new HogProgram()]], { version: "4.1", weights: [256, 512] });
    s.host.start();
    s.k.run(3e9);
    expect(s.cs.creditTotal).toBe(300);
    // Steady state: each hog's credit oscillates around 0; the heavy one ran twice as long.
    const t1 = s.host.vcpus.timeIn(s.v(1), 0, s.k.now);
    const t2 = s.host.vcpus.timeIn(s.v(2), 0, s.k.now);
    expect(Math.abs(t2 / t1 - 2)).toBeLessThan(0.1);
    expect([CSCHED_PRI_TS_UNDER, CSCHED_PRI_TS_OVER]).toContain(s.cs.pri[s.v(1)]);
  });

  it("an idle pCPU steals a BOOSTed vCPU queued behind a busy one (load balancing)", () => {
    const s = setup([[new HogProgram(), new HogProgram()]], { cpus: 2 });
    s.host.start();
    s.k.run(1e6);
    expect(s.host.curr(0) === s.v(1, 0) || s.host.curr(1) === s.v(1, 0)).toBe(true);
    expect(s.host.curr(0) === s.v(1, 1) || s.host.curr(1) === s.v(1, 1)).toBe(true);
    expect(s.cs.idlers.isEmpty()).toBe(true);
  });

  it("4.1+: a yielding vCPU is queued behind one lower-priority vCPU; 4.0 yield is a plain reschedule", () => {
    const s = setup([[new HogProgram()], [new HogProgram()]], { version: "4.1" });
    s.host.start();
    s.k.run(15e6);
    const cur = s.host.curr(0);
    s.cs.flags[cur] |= 2;
    s.host.vcpuYield(cur);
    s.k.run(15e6);
    expect(s.host.curr(0)).not.toBe(cur);
  });
});

describe("Credit's version flags and parameters", () => {
  it("follow the release each behaviour appeared in", () => {
    expect(creditFlagsFor("3.4")).toMatchObject({
      sampledDebit: true,
      perVcpuWeight: false,
      tsliceRatelimit: false,
    });
    expect(creditFlagsFor("4.0")).toMatchObject({
      sampledDebit: false,
      idleBias: true,
      perVcpuWeight: false,
    });
    expect(creditFlagsFor("4.1")).toMatchObject({
      perVcpuWeight: true,
      crossSocket2x: true,
      tickleOneIdler: true,
    });
    expect(creditFlagsFor("4.2")).toMatchObject({ tsliceRatelimit: true, smartTickle: false });
    expect(creditFlagsFor("4.3")).toMatchObject({ smartTickle: true, noBoostOnMigrate: false });
    expect(creditFlagsFor("4.7")).toMatchObject({ kickOnlyIfIdlerFits: true, noBoostOnMigrate: true });
    expect(creditFlagsFor("4.17")).toMatchObject({ tickledLeaveIdlers: true, ratelimitRemaining: true });
    expect(defaultCreditParams(creditFlagsFor("4.2")).ratelimitUs).toBe(1000);
    expect(defaultCreditParams(creditFlagsFor("4.1")).ratelimitUs).toBe(0);
  });

  it("reject parameters a version does not have or Xen would refuse", () => {
    const f34 = creditFlagsFor("3.4");
    const f42 = creditFlagsFor("4.2");
    expect(checkCreditParams({ tsliceMs: 10, ratelimitUs: 0, migrationDelayUs: 0 }, f34)).toEqual([
      "tslice is a Xen 4.2+ parameter (30 ms before)",
    ]);
    expect(checkCreditParams({ tsliceMs: 30, ratelimitUs: 50, migrationDelayUs: 0 }, f42)[0]).toMatch(
      /ratelimit must be 0 or 100us/,
    );
    expect(checkCreditParams({ tsliceMs: 1, ratelimitUs: 2000, migrationDelayUs: 0 }, f42)).toContain(
      "ratelimit must not exceed the timeslice",
    );
  });
});
