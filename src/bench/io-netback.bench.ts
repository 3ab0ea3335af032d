/**
 * `io.netback`: 16 guests each receive a TCP-like stream (256 KiB window, 1514-byte
 * frames) through netback on a 16-pCPU host with a 4-vCPU dom0 and one netback group
 * per dom0 vCPU; 10 simulated seconds (after 1 s of JIT warm-up). Every packet goes
 * through the NIC ring, netback's queue, a grant copy into a posted RX buffer, the RX
 * ring with the notification check, netfront's poll and the application; every ACK back
 * through the TX ring, a grant map and the NIC.
 * Metrics: packets_per_s (packets through netback, both directions, per wall second;
 * goal >= 1 million), data_packets_per_s, events_per_packet (kernel events per packet:
 * the batching the real drivers do), sim_s_per_wall_s.
 */
import { buildIoGuestHost, type IoGuestDomainSpec, startFlows } from "../guest/pv-io-guests.js";
import { IdleProgram } from "../guest/simple-programs.js";
import { ioCosts } from "../io/io-costs.js";
import { Kernel } from "../kernel/kernel.js";
import type { Bench, BenchMeasurement } from "./bench-types.js";

function measure(guests: number): BenchMeasurement[] {
  const k = new Kernel(1);
  const domains: IoGuestDomainSpec[] = [
    { name: "Domain-0", vcpus: 4, weight: 256, cap: 0, programs: [0, 1, 2, 3].map(() => new IdleProgram()) },
  ];
  for (let i = 0; i < guests; i++)
    domains.push({
      name: `g${i}`,
      vcpus: 1,
      weight: 256,
      cap: 0,
      programs: [new IdleProgram()],
      vifs: [{ smart: null }],
      flows: [
        {
          vif: 0,
          vcpu: 0,
          flow: {
            kind: "stream",
            direction: "rx",
            size: 1514,
            window: 256 * 1024,
            rate: 0,
            burst: 44,
            ackEvery: 2,
          },
        },
      ],
    });
  const g = buildIoGuestHost(k, {
    name: "bench",
    topology: { sockets: 4, cores: 4, threads: 1 },
    scheduler: { name: "credit", version: "4.2" },
    domains,
    nic: { speed: 10e9, latency: 5000, rxRing: 256, itr: 20000, weight: 64, irqVcpu: 0 },
    netback: { model: "groups", txQueueLen: 32 },
    ioCosts: ioCosts(),
    maxGrantFrames: 32,
    maxEvtchnPorts: 1023,
  });
  g.host.start();
  startFlows(g);
  k.run(1e9);
  const count = () => g.io.netback.vifs.reduce((s, v) => s + v.toGuest + v.fromGuest, 0);
  const data0 = g.io.netback.vifs.reduce((s, v) => s + v.toGuest, 0);
  const p0 = count();
  const e0 = k.events;
  const t0 = process.hrtime.bigint();
  const simNs = 11e9;
  k.run(simNs);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const packets = count() - p0;
  const data = g.io.netback.vifs.reduce((s, v) => s + v.toGuest, 0) - data0;
  return [
    { metric: "packets_per_s", value: Math.round(packets / wall), unit: "1/s" },
    { metric: "data_packets_per_s", value: Math.round(data / wall), unit: "1/s" },
    { metric: "events_per_packet", value: Number(((k.events - e0) / packets).toFixed(3)), unit: "1" },
    { metric: "sim_s_per_wall_s", value: Number((10 / wall).toFixed(3)), unit: "1" },
    {
      metric: "simulated_gbit_per_s",
      value: Number(((data * 1514 * 8) / 10 / 1e9).toFixed(3)),
      unit: "Gbit/s",
    },
  ];
}

export const ioNetback: Bench = {
  name: "io.netback",
  cases: [{ guests: 16 }],
  run: (params) => measure(Number(params.guests)),
};
