/**
 * A host's PV I/O in a scenario run: turns the host's `io` section, the domains' `vif`
 * lists, `netfront` options and `net_stream`/`net_rr` workloads into an I/O host
 * (guest/pv-io-guests.ts), and reports what it measured: per-VIF throughput, packets,
 * notifications and interrupts per packet, latency percentiles, ring occupancy, and CPU
 * split by activity for dom0 and the guests.
 */

import type { GuestHostSpec } from "../guest/guest-host.js";
import { StreamReceiver } from "../guest/net-apps.js";
import {
  buildIoGuestHost,
  type IoGuestDomainSpec,
  type IoGuestHost,
  type NetFlowSpec,
  startFlows,
} from "../guest/pv-io-guests.js";
import { WORK, WORK_COUNT, WORK_NAMES } from "../io/cpu-work.js";
import { IO_COST_PARAMS, type IoCosts, ioCosts } from "../io/io-costs.js";
import { RrClient, StreamSink, StreamSource } from "../io/net-peers.js";
import type { SmartPollParams } from "../io/netfront.js";
import type { Kernel } from "../kernel/kernel.js";
import type { LogHistogram } from "../kernel/log-histogram.js";
import type { PathSegment } from "../scenario/input-issues.js";
import type { NetfrontSpec } from "../scenario/io-section.js";
import type { DomainSpec, HostSpec, WorkloadSpec } from "../scenario/scenario-schema.js";
import { defaultMaxGrantFrames } from "../xen/pv/gnttab.js";
import { RUNSTATE_running } from "../xen/runstate.js";
import type { PartResults } from "./model-part.js";
import { type ChartRecord, type MetricRecord, num, type TableRecord } from "./results.js";

/** Default TCP window when a stream gives neither window nor rate (Linux 2.6.18 tcp_rmem[2] is 4 MiB; netperf's default socket buffers are smaller). */
const DEFAULT_WINDOW = 256 * 1024;

interface DomainIo {
  vifs: { smart: SmartPollParams | null; irqVcpu: number }[];
  flows: { vif: number; vcpu: number; flow: NetFlowSpec }[];
}

export class HostIo {
  g!: IoGuestHost;
  private t0 = 0;
  /** Running time of each domain at the last statistics reset. */
  running0: number[] = [];
  private readonly plans: (DomainIo | null)[];

  private constructor(
    readonly host: HostSpec,
    plans: (DomainIo | null)[],
    readonly costs: IoCosts,
  ) {
    this.plans = plans;
  }

  /** The host's I/O plan, or null when no domain on it does network I/O. */
  static plan(
    host: HostSpec,
    domains: { spec: DomainSpec | null; path: PathSegment[]; vcpus: number }[],
    fail: (path: PathSegment[], message: string) => void,
  ): HostIo | null {
    const plans = domains.map((d) => (d.spec ? planDomain(d.spec, d.path, fail) : null));
    if (!plans.some((p) => p !== null && p.flows.length > 0)) return null;
    const over = Object.fromEntries(
      Object.entries(host.io?.costs ?? {}).filter(([, v]) => v !== undefined),
    ) as Partial<IoCosts>;
    return new HostIo(host, plans, ioCosts(over));
  }

  build(k: Kernel, base: GuestHostSpec): IoGuestHost {
    const io = this.host.io;
    const domains: IoGuestDomainSpec[] = base.domains.map((d, i) => ({ ...d, ...(this.plans[i] ?? {}) }));
    this.g = buildIoGuestHost(k, {
      ...base,
      domains,
      nic: {
        speed: io?.nic.speed ?? 10e9,
        latency: io?.nic.latency ?? 5000,
        rxRing: io?.nic.rx_ring ?? 256,
        itr: io?.nic.itr ?? 20000,
        weight: 64,
        irqVcpu: io?.nic.irq_vcpu ?? 0,
      },
      netback: { model: io?.netback.model ?? "tasklet-pair", txQueueLen: io?.netback.tx_queue_len ?? 32 },
      ioCosts: this.costs,
      maxGrantFrames: io?.max_grant_frames ?? defaultMaxGrantFrames(this.host.xen.version),
      maxEvtchnPorts: io?.max_event_channels ?? 1023,
    });
    return this.g;
  }

  start(now: number): void {
    startFlows(this.g);
    this.t0 = now;
  }

  resetStats(now: number): void {
    this.t0 = now;
    this.g.io.resetStats();
    this.g.kernel.resetStats();
    for (const f of this.g.flows) {
      f.peer.resetStats(now);
      f.app.resetStats(now);
    }
    this.running0 = this.g.host.domains.map((d) =>
      d.vcpus.reduce((s, v) => s + this.g.host.vcpus.timeIn(v, RUNSTATE_running, now), 0),
    );
  }

  collect(now: number): PartResults {
    return collectIo(this, now - this.t0, now);
  }
}

function planDomain(
  d: DomainSpec,
  path: PathSegment[],
  fail: (path: PathSegment[], message: string) => void,
): DomainIo | null {
  const list: WorkloadSpec[] = Array.isArray(d.workload) ? d.workload : Array(d.vcpus).fill(d.workload);
  const nf: NetfrontSpec[] = Array.isArray(d.netfront)
    ? d.netfront
    : Array(d.vif.length).fill(d.netfront ?? { smart_poll: false, irq_vcpu: 0 });
  if (Array.isArray(d.netfront) && d.netfront.length !== d.vif.length)
    fail(
      [...path, "netfront"],
      `expected ${d.vif.length} netfront entries (one per vif), found ${d.netfront.length}`,
    );
  const vifs = d.vif.map((_, i) => {
    const o = nf[i] ?? { smart_poll: false, irq_vcpu: 0 };
    if (o.irq_vcpu >= d.vcpus)
      fail([...path, "netfront"], `irq_vcpu ${o.irq_vcpu} does not exist: the domain has ${d.vcpus} vCPUs`);
    const sp = o.smart_poll;
    const smart =
      sp === false
        ? null
        : sp === true
          ? { pollHz: 1000, idlePolls: 10 }
          : { pollHz: sp.frequency, idlePolls: sp.idle_polls };
    return { smart, irqVcpu: Math.min(o.irq_vcpu, d.vcpus - 1) };
  });
  const flows: DomainIo["flows"] = [];
  list.forEach((w, vcpu) => {
    if (w.type !== "net_stream" && w.type !== "net_rr") return;
    const wpath = Array.isArray(d.workload) ? [...path, "workload", vcpu] : [...path, "workload"];
    if (w.vif >= d.vif.length) {
      fail(
        [...wpath, "vif"],
        d.vif.length === 0
          ? `the domain has no vif: add one, e.g. vif: ["bridge=xenbr0"]`
          : `vif ${w.vif} does not exist: the domain has ${d.vif.length}`,
      );
      return;
    }
    if (w.type === "net_rr") {
      flows.push({
        vif: w.vif,
        vcpu,
        flow: { kind: "rr", request: w.request, response: w.response, think: w.think, service: w.service },
      });
      return;
    }
    if (w.window !== undefined && w.rate !== undefined) fail(wpath, "give either window or rate, not both");
    const rate = w.rate !== undefined ? w.rate / (w.packet * 8) : 0;
    flows.push({
      vif: w.vif,
      vcpu,
      flow: {
        kind: "stream",
        direction: w.direction,
        size: w.packet,
        window: rate > 0 ? 0 : (w.window ?? DEFAULT_WINDOW),
        rate,
        burst: w.burst,
        ackEvery: w.ack_every,
      },
    });
  });
  if (vifs.length === 0 && flows.length === 0) return null;
  return { vifs, flows };
}

function pct(h: LogHistogram, q: number): number | null {
  return h.count > 0 ? num(h.quantile(q) / 1e3) : null;
}

function collectIo(h: HostIo, span: number, now: number): PartResults {
  const g = h.g;
  const host = g.host;
  const hn = h.host.name;
  const secs = span / 1e9;
  const metrics: MetricRecord[] = [];
  const m = (
    entity: string,
    name: string,
    value: number | null,
    unit: string,
    description?: string,
  ): void => {
    metrics.push({
      entity,
      name,
      value: value === null ? null : num(value),
      unit,
      ...(description ? { description } : {}),
    });
  };
  const rows: TableRecord["rows"] = [];
  let total = 0;
  const lat: ChartRecord["series"] = [];
  g.flows.forEach((f, fi) => {
    const front = g.io.fronts[fi];
    const vif = g.io.netback.vifs[fi];
    const ent = `host/${hn}/vif/${f.domain}.${f.vif}`;
    let bits = 0;
    let pkts = 0;
    let hist: LogHistogram | null = null;
    if (f.peer instanceof StreamSink) {
      bits = f.peer.bytes * 8;
      pkts = f.peer.packets;
      hist = f.peer.latency;
    } else if (f.app instanceof StreamReceiver) {
      bits = f.app.bytes * 8;
      pkts = f.app.packets;
      hist = f.app.latency;
    } else if (f.peer instanceof RrClient) {
      pkts = f.peer.transactions;
      hist = f.peer.latency;
    }
    total += bits;
    const dom = host.domains.find((d) => d.name === f.domain)!;
    const irqV = dom.vcpus[front.irqVcpu];
    const upcalls = g.io.irq.upcalls[irqV];
    const guestPkts = front.rxPackets + front.txPackets;
    const notif = vif.rxNotifies + vif.txNotifies;
    const occ = vif.occN > 0 ? vif.occSum / vif.occN : 0;
    const drops = vif.dropped + (g.io.nic.dropsByFlow[fi] ?? 0) + (f.peer instanceof StreamSource ? 0 : 0);
    m(ent, "throughput", bits / secs, "bit/s");
    m(ent, f.spec.kind === "rr" ? "transactions_per_s" : "packets_per_s", pkts / secs, "1/s");
    m(ent, "guest_interrupts_per_s", upcalls / secs, "1/s", "event-channel upcalls on the VIF's vCPU");
    m(ent, "interrupts_per_packet", guestPkts > 0 ? upcalls / guestPkts : null, "1");
    m(ent, "notifications_per_s", notif / secs, "1/s", "netback -> netfront event sends");
    m(
      ent,
      "frontend_notifications_per_s",
      front.notifiesSent / secs,
      "1/s",
      "netfront -> netback event sends",
    );
    m(ent, "latency.p50", hist ? pct(hist, 0.5) : null, "us");
    m(ent, "latency.p99", hist ? pct(hist, 0.99) : null, "us");
    m(ent, "rx_ring_occupancy.mean", occ, "1", "RX responses pushed and not yet consumed, at each push");
    m(ent, "drops", drops, "1");
    rows.push([
      `${f.domain}.${f.vif}`,
      f.spec.kind === "rr" ? "rr" : f.spec.direction,
      num(bits / secs / 1e6),
      num(pkts / secs),
      num(upcalls / secs),
      guestPkts > 0 ? num(upcalls / guestPkts) : null,
      num(notif / secs),
      hist ? pct(hist, 0.5) : null,
      hist ? pct(hist, 0.99) : null,
      num(occ),
      drops,
    ]);
    if (hist && hist.count > 0) {
      const pts: (number | null)[][] = [];
      for (const q of [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999])
        pts.push([hist.quantile(q) / 1e3, q]);
      lat.push({ name: `${f.domain}.${f.vif}`, points: pts });
    }
  });
  m(`host/${hn}/io`, "throughput", total / secs, "bit/s", "sum over the VIFs");
  // CPU split by activity: kernel jobs as charged, the application as the rest of running time.
  const cpuRows: TableRecord["rows"] = [];
  const bars: ChartRecord["series"] = [];
  const cats = [...Array(WORK_COUNT).keys()];
  const perDom = host.domains.map((d, di) => {
    let running = -(h.running0[di] ?? 0);
    for (const v of d.vcpus) running += host.vcpus.timeIn(v, RUNSTATE_running, now);
    const k = cats.map((c) => (c === WORK.app ? 0 : g.kernel.busyNs(di, c)));
    const kernelNs = k.reduce((a, b) => a + b, 0);
    k[WORK.app] = Math.max(0, running - kernelNs);
    return { name: d.name, k };
  });
  for (const d of perDom) {
    const sum = d.k.reduce((a, b) => a + b, 0);
    if (sum === 0) continue;
    cpuRows.push([d.name, ...d.k.map((x) => num((100 * x) / span)), num((100 * sum) / span)]);
  }
  const dom0 = perDom[0];
  const dom0Io = dom0.k.reduce((a, b) => a + b, 0) - dom0.k[WORK.app];
  m(`host/${hn}/dom0`, "cpu_io", (100 * dom0Io) / span, "%", "dom0 CPU in I/O work (100% = one pCPU)");
  for (const c of cats)
    if (c !== WORK.app)
      m(
        `host/${hn}/dom0`,
        `cpu.${WORK_NAMES[c].replace(/[^a-z0-9]+/gi, "_")}`,
        (100 * dom0.k[c]) / span,
        "%",
      );
  if (total > 0)
    m(`host/${hn}/dom0`, "cpu_per_gbit", (100 * dom0Io) / span / (total / secs / 1e9), "%/(Gbit/s)");
  const guestIo = perDom.slice(1).reduce((s, d) => s + d.k.reduce((a, b) => a + b, 0), 0);
  if (total > 0)
    m(`host/${hn}/guests`, "cpu_per_gbit", (100 * guestIo) / span / (total / secs / 1e9), "%/(Gbit/s)");
  m(`host/${hn}/io`, "nic_interrupts_per_s", g.io.nic.interrupts / secs, "1/s");
  m(`host/${hn}/io`, "grant_copies_per_s", g.io.gts.stats.copies / secs, "1/s");
  m(`host/${hn}/io`, "grant_maps_per_s", g.io.gts.stats.maps / secs, "1/s");
  m(`host/${hn}/io`, "evtchn_sends_per_s", g.io.ev.sends / secs, "1/s");
  for (const [gi, grp] of g.io.netback.groups.entries())
    bars.push({ name: `group ${gi}`, points: [[gi, grp.rxRuns / secs]] });
  const tables: TableRecord[] = [
    {
      id: `io-vifs-${hn}`,
      title: `PV network I/O on ${hn} (netback: ${g.io.netback.p.model}, ${g.io.netback.groups.length} group(s))`,
      columns: [
        { name: "VIF" },
        { name: "flow" },
        { name: "throughput", unit: "Mbit/s" },
        { name: "packets or transactions", unit: "1/s" },
        { name: "guest interrupts", unit: "1/s" },
        { name: "interrupts/packet", unit: "1" },
        { name: "notifications", unit: "1/s" },
        { name: "latency p50", unit: "us" },
        { name: "latency p99", unit: "us" },
        { name: "RX ring occupancy", unit: "1" },
        { name: "drops", unit: "1" },
      ],
      rows,
    },
    {
      id: `io-cpu-${hn}`,
      title: `CPU by activity on ${hn} (% of one pCPU)`,
      columns: [
        { name: "domain" },
        ...WORK_NAMES.map((n) => ({ name: n, unit: "%" })),
        { name: "total", unit: "%" },
      ],
      rows: cpuRows,
    },
    {
      id: `io-costs-${hn}`,
      title: "I/O cost table in use",
      columns: [{ name: "operation" }, { name: "cost", unit: "ns" }, { name: "per" }, { name: "source" }],
      rows: IO_COST_PARAMS.map((p) => [p.key, h.costs[p.key], p.per, p.source]),
    },
  ];
  const charts: ChartRecord[] = [
    {
      id: `io-cpu-${hn}`,
      title: `CPU by activity on ${hn}`,
      kind: "bar",
      x: { label: "domain", unit: "" },
      y: { label: "CPU", unit: "%" },
      categories: perDom.map((d) => d.name),
      series: cats.map((c) => ({
        name: WORK_NAMES[c],
        points: perDom.map((d, i) => [i, num((100 * d.k[c]) / span)]),
      })),
    },
  ];
  if (lat.length > 0)
    charts.push({
      id: `io-latency-${hn}`,
      title: `Latency per flow on ${hn} (stream: peer send to application read; rr: transaction)`,
      kind: "cdf",
      x: { label: "latency", unit: "us", log: true },
      y: { label: "fraction", unit: "1" },
      series: lat,
    });
  return { metrics, tables, charts, notes: [] };
}
