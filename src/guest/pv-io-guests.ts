/**
 * Builds a host whose guests do PV network I/O: every vCPU's program runs under a PV
 * kernel (pv-kernel.ts), the network applications are bound to their VIFs' netfronts,
 * and each flow gets its external peer. The scenario runner, the benchmark and the tests
 * build I/O hosts through here, so they run the same model.
 */
import type { IoCosts } from "../io/io-costs.js";
import { type PeerFlow, RrClient, StreamSink, StreamSource } from "../io/net-peers.js";
import type { NetbackModel } from "../io/netback.js";
import type { SmartPollParams } from "../io/netfront.js";
import type { NicParams } from "../io/phys-nic.js";
import { PvIoHost } from "../io/pv-io-host.js";
import type { Kernel } from "../kernel/kernel.js";
import type { GuestProgram } from "./guest-driver.js";
import { buildGuestHost, type GuestDomainSpec, type GuestHost, type GuestHostSpec } from "./guest-host.js";
import { type NetApp, RrServer, StreamReceiver, StreamSender } from "./net-apps.js";
import { PvKernel } from "./pv-kernel.js";

export type NetFlowSpec =
  | {
      kind: "stream";
      /** rx: the peer sends to the guest; tx: the guest sends to the peer. */
      direction: "rx" | "tx";
      /** Frame size, bytes. */
      size: number;
      /** Bytes unacknowledged (TCP-like); 0 with a rate. */
      window: number;
      /** Frames per second (fixed rate); 0 with a window. */
      rate: number;
      /** Frames per send() (tx). */
      burst: number;
      ackEvery: number;
    }
  | { kind: "rr"; request: number; response: number; think: number; service: number };

export interface NetVifSpec {
  smart: SmartPollParams | null;
  /** Guest vCPU taking the VIF's interrupt (default 0). */
  irqVcpu?: number;
  mac?: string;
}

export interface IoGuestDomainSpec extends GuestDomainSpec {
  vifs?: NetVifSpec[];
  /** Network applications: which VIF, on which vCPU (replacing that vCPU's program). */
  flows?: { vif: number; vcpu: number; flow: NetFlowSpec }[];
}

export interface IoHostSpec extends Omit<GuestHostSpec, "domains"> {
  domains: IoGuestDomainSpec[];
  nic: NicParams;
  netback: { model: NetbackModel; txQueueLen: number };
  ioCosts: IoCosts;
  maxGrantFrames: number;
  maxEvtchnPorts: number;
}

export interface IoFlow {
  domain: string;
  vif: number;
  spec: NetFlowSpec;
  app: NetApp;
  peer: PeerFlow;
}

export interface IoGuestHost extends GuestHost {
  io: PvIoHost;
  kernel: PvKernel;
  flows: IoFlow[];
}

function mac(domIndex: number, vif: number): string {
  const h = (n: number) => n.toString(16).padStart(2, "0");
  return `00:16:3e:${h((domIndex >> 8) & 0xff)}:${h(domIndex & 0xff)}:${h(vif & 0xff)}`;
}

/** Builds the host, its PV I/O and the flows on `k`; call `host.start()` and `startFlows` to run. */
export function buildIoGuestHost(k: Kernel, spec: IoHostSpec): IoGuestHost {
  const apps: { dom: number; vif: number; app: NetApp; spec: NetFlowSpec }[] = [];
  const kernel = new PvKernel();
  const domains = spec.domains.map((d, di) => {
    const programs = d.programs.slice();
    for (const f of d.flows ?? []) {
      if (f.vcpu >= d.vcpus) throw new RangeError(`${d.name}: flow on vCPU ${f.vcpu} of ${d.vcpus}`);
      const app = makeApp(k, f.vif, f.flow, spec.ioCosts);
      apps.push({ dom: di, vif: f.vif, app, spec: f.flow });
      programs[f.vcpu] = app;
    }
    return { ...d, programs: programs.map((p): GuestProgram => kernel.wrap(p)) };
  });
  const gh = buildGuestHost(k, { ...spec, domains });
  kernel.host = gh.host;
  const vifs = spec.domains.flatMap((d, di) =>
    (d.vifs ?? []).map((v, devid) => ({
      domIndex: di,
      devid,
      mac: v.mac ?? mac(di, devid),
      irqVcpu: v.irqVcpu ?? 0,
      smart: v.smart,
    })),
  );
  const io = new PvIoHost(k, gh.host, kernel, {
    nic: spec.nic,
    netback: spec.netback,
    costs: spec.ioCosts,
    maxGrantFrames: spec.maxGrantFrames,
    maxEvtchnPorts: spec.maxEvtchnPorts,
    vifs,
  });
  const flows: IoFlow[] = apps.map(({ dom, vif, app, spec: fs }) => {
    const fi = vifs.findIndex((v) => v.domIndex === dom && v.devid === vif);
    if (fi < 0) throw new RangeError(`${spec.domains[dom].name}: flow on vif ${vif}, which it does not have`);
    const front = io.fronts[fi];
    app.bind(front);
    const peer = makePeer(k, fi, fs, io);
    io.peers.flows[fi] = peer;
    return { domain: spec.domains[dom].name, vif, spec: fs, app, peer };
  });
  return { ...gh, io, kernel, flows };
}

/** Starts the peers (after host.start()). */
export function startFlows(g: IoGuestHost): void {
  for (const f of g.flows) f.peer.start(g.host.k.now);
}

function makeApp(k: Kernel, vif: number, f: NetFlowSpec, costs: IoCosts): NetApp {
  if (f.kind === "rr") return new RrServer(vif, costs, f.service, f.response);
  if (f.direction === "rx") return new StreamReceiver(vif, costs, f.rate > 0 ? 0 : f.ackEvery);
  return new StreamSender(k, vif, costs, { size: f.size, window: f.window, rate: f.rate, burst: f.burst });
}

function makePeer(k: Kernel, flow: number, f: NetFlowSpec, io: PvIoHost): PeerFlow {
  if (f.kind === "rr")
    return new RrClient(k, flow, io.nic, { request: f.request, response: f.response, think: f.think });
  if (f.direction === "rx")
    return new StreamSource(k, flow, io.nic, { size: f.size, window: f.window, rate: f.rate });
  return new StreamSink(flow, io.nic, f.ackEvery);
}
