import { describe, expect, it } from "vitest";
import { buildIoGuestHost, startFlows } from "../guest/pv-io-guests.js";
import { IdleProgram } from "../guest/simple-programs.js";
import { Kernel } from "../kernel/kernel.js";
import { ioCosts } from "./io-costs.js";

describe("smoke", () => {
  it("streams", () => {
    const k = new Kernel(1);
    const g = buildIoGuestHost(k, {
      name: "h",
      topology: { sockets: 1, cores: 4, threads: 1 },
      scheduler: { name: "credit", version: "4.2" },
      domains: [
        { name: "Domain-0", vcpus: 1, weight: 256, cap: 0, programs: [new IdleProgram()] },
        {
          name: "g1", vcpus: 1, weight: 256, cap: 0, programs: [new IdleProgram()],
          vifs: [{ smart: null }],
          flows: [{ vif: 0, vcpu: 0, flow: { kind: "stream", direction: "rx", size: 1514, window: 256 * 1024, rate: 0, burst: 44, ackEvery: 2 } }],
        },
      ],
      nic: { speed: 10e9, latency: 5000, rxRing: 256, itr: 20000, weight: 64, irqVcpu: 0 },
      netback: { model: "tasklet-pair", txQueueLen: 32 },
      ioCosts: ioCosts(),
      maxGrantFrames: 32,
      maxEvtchnPorts: 1023,
    });
    g.host.start();
    startFlows(g);
    k.run(200e6);
    const app = g.flows[0].app as unknown as { bytes: number; packets: number };
    console.log("bytes", app.bytes, "Gbps", (app.bytes * 8) / 0.2 / 1e9, "events", k.events, g.io.handshake);
    console.log("dom0 busy", Array.from(g.kernel.busy.slice(0, 8)).map((x) => x / 0.2e9));
    console.log("g1 busy", Array.from(g.kernel.busy.slice(8, 16)).map((x) => x / 0.2e9));
    expect(app.bytes).toBeGreaterThan(0);
  });
});
