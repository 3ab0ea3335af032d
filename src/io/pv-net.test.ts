/**
 * The PV network path end to end on small hosts (each run 0.5 simulated s): the
 * calibrated dom0 cost per packet, the notification protocol's suppression, smart
 * polling's interrupt cap, and netback groups spreading work over dom0 vCPUs.
 */
import { describe, expect, it } from "vitest";
import {
  buildIoGuestHost,
  type IoGuestDomainSpec,
  type IoGuestHost,
  startFlows,
} from "../guest/pv-io-guests.js";
import { IdleProgram } from "../guest/simple-programs.js";
import { Kernel } from "../kernel/kernel.js";
import { WORK } from "./cpu-work.js";
import { ioCosts } from "./io-costs.js";
import type { NetbackModel } from "./netback.js";
import type { SmartPollParams } from "./netfront.js";

function run(opts: {
  guests: number;
  dom0: number;
  model: NetbackModel;
  smart?: SmartPollParams;
  rate?: number;
}) {
  const k = new Kernel(1);
  const domains: IoGuestDomainSpec[] = [
    {
      name: "Domain-0",
      vcpus: opts.dom0,
      weight: 256,
      cap: 0,
      programs: Array.from({ length: opts.dom0 }, () => new IdleProgram()),
    },
  ];
  for (let i = 0; i < opts.guests; i++)
    domains.push({
      name: `g${i}`,
      vcpus: 1,
      weight: 256,
      cap: 0,
      programs: [new IdleProgram()],
      vifs: [{ smart: opts.smart ?? null }],
      flows: [
        {
          vif: 0,
          vcpu: 0,
          flow: {
            kind: "stream",
            direction: "rx",
            size: 1514,
            window: opts.rate ? 0 : 256 * 1024,
            rate: opts.rate ?? 0,
            burst: 44,
            ackEvery: 2,
          },
        },
      ],
    });
  const g = buildIoGuestHost(k, {
    name: "h",
    topology: { sockets: 1, cores: opts.guests + opts.dom0, threads: 1 },
    scheduler: { name: "credit", version: "4.2" },
    domains,
    nic: { speed: 10e9, latency: 5000, rxRing: 256, itr: 20000, weight: 64, irqVcpu: 0 },
    netback: { model: opts.model, txQueueLen: 32 },
    ioCosts: ioCosts(),
    maxGrantFrames: 32,
    maxEvtchnPorts: 1023,
  });
  g.host.start();
  startFlows(g);
  k.run(100e6);
  g.io.resetStats();
  g.kernel.resetStats();
  k.run(400e6);
  return { g, secs: 0.3 };
}

const dataPackets = (g: IoGuestHost) => g.io.netback.vifs.reduce((s, v) => s + v.toGuest, 0);
const dom0Busy = (g: IoGuestHost) =>
  [WORK.upcall, WORK.nic, WORK.netback_rx, WORK.netback_tx].reduce((s, c) => s + g.kernel.busyNs(0, c), 0);

describe("PV network path", () => {
  it("charges dom0 the calibrated 4.18 us per received data packet (Ram et al.'s 2.9 Gb/s at one full CPU)", () => {
    // 1514 B * 8 / 2.9 Gb/s = 4.177 us; within 3% (batch sizes vary with load).
    const { g } = run({ guests: 1, dom0: 1, model: "tasklet-pair" });
    const perPacket = dom0Busy(g) / dataPackets(g);
    expect(perPacket).toBeGreaterThan(4177 * 0.97);
    expect(perPacket).toBeLessThan(4177 * 1.03);
  });

  it("suppresses most notifications: far fewer guest interrupts than packets", () => {
    const { g } = run({ guests: 1, dom0: 1, model: "tasklet-pair" });
    const vif = g.io.netback.vifs[0];
    expect(vif.rx.rsp.suppressed).toBeGreaterThan(vif.rx.rsp.notifies * 5);
    expect(vif.rxNotifies).toBeLessThan(vif.toGuest / 10);
  });

  it("smart polling caps the guest's interrupts near the poll frequency and stops netback's notifications", () => {
    // 1 Gbit/s of 1514-byte frames = 82.6k packets/s; polling at 2 kHz: ~2000 upcalls/s.
    const { g, secs } = run({
      guests: 1,
      dom0: 1,
      model: "groups",
      rate: 1e9 / (1514 * 8),
      smart: { pollHz: 2000, idlePolls: 10 },
    });
    const v = g.host.domains[1].vcpus[0];
    const perSec = g.io.irq.upcalls[v] / secs;
    expect(perSec).toBeGreaterThan(1900);
    expect(perSec).toBeLessThan(2100);
    expect(g.io.netback.vifs[0].rxNotifies).toBe(0);
  });

  it("one global tasklet pair keeps netback on one dom0 vCPU; groups spread it over all of them", () => {
    const pair = run({ guests: 4, dom0: 4, model: "tasklet-pair" }).g;
    const groups = run({ guests: 4, dom0: 4, model: "groups" }).g;
    expect(pair.io.netback.groups).toHaveLength(1);
    expect(groups.io.netback.groups).toHaveLength(4);
    expect(groups.io.netback.groups.every((grp) => grp.rxRuns > 0)).toBe(true);
    expect(dataPackets(groups)).toBeGreaterThan(dataPackets(pair) * 1.3);
  });
});
