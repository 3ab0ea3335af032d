/**
 * The scenario's `pcie` section as a model part: a PassthroughHost (src/hw/iommu) run on
 * the kernel's clock, its timed events scheduled, and a timeline of everything the slots,
 * the IOMMU, the AER flow and Xen's handler did, for the report: a timeline table, the
 * AER outcomes, a Gantt chart of who owned each device when, cumulative interrupt counts
 * and DMA per sample period. Guests are records of the section (see its README).
 */

import { PassthroughHost } from "../hw/iommu/passthrough-host.js";
import { formatBdf } from "../hw/pci/bdf.js";
import type { CorrectableError, UncorrectableError } from "../hw/pci/ext-cap-aer.js";
import type { EndpointSpec } from "../hw/pci/pci-machine-spec.js";
import type { Kernel } from "../kernel/kernel.js";
import { toMachineSpec } from "../scenario/pci-topology-file.js";
import type { PcieEventSpec, PcieSectionSpec } from "../scenario/pcie-section.js";
import type { ModelPart, PartResults } from "./model-part.js";
import type { ChartRecord, MetricRecord, TableRecord } from "./results.js";

const S = 1e9;

interface TimelineEntry {
  t: number;
  source: string;
  event: string;
  detail: string;
}

export class PciePart implements ModelPart {
  private host: PassthroughHost | null = null;
  private k: Kernel | null = null;
  readonly timeline: TimelineEntry[] = [];
  private failedEvents = 0;
  private readonly interruptSteps: { t: number; aer: number; hotplug: number }[] = [];
  private readonly dmaSeries: number[][] = [];
  private readonly faultSeries: number[][] = [];
  private lastDma = { ok: 0, fault: 0 };

  constructor(private readonly spec: PcieSectionSpec) {}

  start(k: Kernel): void {
    this.k = k;
    const t = this.spec.timing;
    const fx = {
      now: () => k.now as number,
      after: (delay: number, fn: () => void) => {
        k.at(delay, () => fn());
      },
      trace: (source: string, event: string, detail: string) => this.trace(source, event, detail),
    };
    this.host = new PassthroughHost(
      toMachineSpec(this.spec.topology),
      this.spec.guests,
      {
        correctable: this.spec.policy.correctable,
        nonfatal: this.spec.policy.nonfatal,
        fatal: this.spec.policy.fatal,
      },
      {
        slot: { commandTime: t.command, linkUpTime: t.link_up },
        pciehp: { buttonWait: t.button_wait, enumerateDelay: t.enumerate_delay },
        recovery: {
          handlerLatency: t.handler_latency,
          flr: t.flr,
          linkReset: t.link_reset,
          vfEnable: t.vf_enable,
        },
        dmaPeriod: t.dma_period,
      },
      fx,
      16 * 2 ** 30,
      this.spec.policy.reassign,
    );
    const fw = this.host.machine.firmware;
    this.trace(
      "firmware",
      "boot",
      `buses 0-${fw.lastBus}, ${this.host.machine.topo.all().length} functions, MMIO ${fw.mmioUsed / 2 ** 20} MiB; VT-d translation and interrupt remapping on`,
    );
    this.spec.events.forEach((e, i) => {
      k.atTime(e.at, () => this.run(e), i);
    });
  }

  private trace(source: string, event: string, detail: string): void {
    const now = this.k?.now ?? 0;
    this.timeline.push({ t: now, source, event, detail });
    const h = this.host;
    if (h === null) return;
    const last = this.interruptSteps.at(-1);
    const aer = h.stats.aerInterrupts;
    const hp = h.stats.guestHotplugInterrupts;
    if (last === undefined || last.aer !== aer || last.hotplug !== hp)
      this.interruptSteps.push({ t: now, aer, hotplug: hp });
  }

  private run(e: PcieEventSpec): void {
    const h = this.host!;
    try {
      switch (e.type) {
        case "enable-vfs":
          this.trace(e.pf, "event", `echo ${e.count} > sriov_numvfs`);
          h.enableVfs(e.pf, e.count);
          break;
        case "disable-vfs":
          this.trace(e.pf, "event", "echo 0 > sriov_numvfs");
          h.disableVfs(e.pf);
          break;
        case "attach":
          this.trace(e.device, "event", `xl pci-attach ${e.guest} ${e.device}`);
          h.attach(e.device, e.guest);
          break;
        case "detach":
          this.trace(e.device, "event", `xl pci-detach ${e.device}`);
          h.detach(e.device);
          break;
        case "aer": {
          const err =
            e.class === "correctable"
              ? { class: "correctable" as const, error: e.error as CorrectableError }
              : { class: "uncorrectable" as const, error: e.error as UncorrectableError };
          this.trace(e.device, "event", `inject ${e.class} ${e.error}`);
          h.injectAer(e.device, err);
          break;
        }
        case "dma":
          h.dma(e.device, e.address, e.write);
          break;
        case "insert":
          this.trace(e.slot, "event", `insert ${e.card.model} card "${e.card.name}"`);
          h.insert(e.slot, e.card as EndpointSpec);
          break;
        case "button":
          this.trace(e.slot, "event", "attention button pressed");
          h.pressButton(e.slot);
          break;
        case "surprise-remove":
          this.trace(e.slot, "event", "card pulled out (surprise removal)");
          h.surpriseRemove(e.slot);
          break;
      }
    } catch (err) {
      this.failedEvents++;
      this.trace("scenario", "event-failed", `${e.type} at ${e.at / S}s: ${(err as Error).message}`);
    }
  }

  resetStats(_now: number): void {}

  sample(now: number): void {
    const h = this.host;
    if (h === null) return;
    this.dmaSeries.push([now / S, h.stats.dmaOk - this.lastDma.ok]);
    this.faultSeries.push([now / S, h.stats.dmaFaults - this.lastDma.fault]);
    this.lastDma = { ok: h.stats.dmaOk, fault: h.stats.dmaFaults };
  }

  collect(now: number): PartResults {
    const h = this.host!;
    const st = h.stats;
    const e = "pcie";
    const m = (name: string, value: number, unit: string, description?: string): MetricRecord => ({
      entity: e,
      name,
      value: Number.isFinite(value) ? value : null,
      unit,
      ...(description ? { description } : {}),
    });
    const rt = st.recoveryTimes;
    const metrics: MetricRecord[] = [
      m("functions", h.machine.topo.all().length, "1", "PCI functions present at the end"),
      m("aer.errors", st.aerErrors, "1", "errors injected"),
      m("aer.root_interrupts", st.aerInterrupts, "1", "root port AER interrupts (0->1 edges)"),
      m("aer.masked", st.aerMasked, "1"),
      m("aer.contained", st.aerContained, "1", "messages stopped at a port with SERR forwarding off"),
      m("aer.action.report", st.actions["report-to-dom0"], "1"),
      m("aer.action.reset_link", st.actions["reset-link"], "1"),
      m("aer.action.take_device", st.actions["take-device"], "1"),
      m("recovery.count", st.recoveries, "1", "errors after which the device was working again"),
      m(
        "recovery_time.mean",
        rt.length ? rt.reduce((a, b) => a + b, 0) / rt.length / S : Number.NaN,
        "s",
        "error to device usable again",
      ),
      m("recovery_time.max", rt.length ? Math.max(...rt) / S : Number.NaN, "s"),
      m("hotplug.guest_interrupts", st.guestHotplugInterrupts, "1"),
      m("vtd.translations", h.pt.unit.translations, "1"),
      m("vtd.faults", h.pt.unit.faults, "1", "DMA and interrupt remapping faults recorded"),
      m("dma.ok", st.dmaOk, "1"),
      m("dma.faults", st.dmaFaults, "1"),
      m("events.failed", this.failedEvents, "1"),
    ];
    const tables: TableRecord[] = [
      {
        id: "pcie-timeline",
        title: "PCI Express timeline",
        columns: [{ name: "time", unit: "s" }, { name: "source" }, { name: "event" }, { name: "detail" }],
        rows: this.timeline.map((x) => [Number((x.t / S).toFixed(6)), x.source, x.event, x.detail]),
      },
      {
        id: "pcie-aer",
        title: "AER errors: what each did",
        columns: [
          { name: "time", unit: "s" },
          { name: "device" },
          { name: "severity" },
          { name: "logged" },
          { name: "reached root" },
          { name: "root interrupt" },
          { name: "root status" },
          { name: "source id" },
        ],
        rows: h.aerOutcomes.map((o) => [
          Number((o.t / S).toFixed(6)),
          o.device,
          o.severity,
          o.logged ? "yes" : "no",
          o.root ? h.nameOf(o.root) : o.containedAt ? `contained at ${h.nameOf(o.containedAt)}` : "no",
          o.interrupt ? "yes" : "no",
          `0x${o.rootStatus.toString(16)}`,
          o.root ? formatBdf(h.machine.find(o.device)?.bdf ?? (0 as never)) : "",
        ]),
      },
    ];
    return { metrics, tables, charts: this.charts(now), notes: this.notes() };
  }

  private notes(): string[] {
    const n = [
      "pcie: guests are records of the pcie section (name, domain id, memory); they will be wired to the host/scheduler model later.",
    ];
    if (this.failedEvents > 0)
      n.push(`pcie: ${this.failedEvents} event(s) could not be applied; see the timeline.`);
    return n;
  }

  private charts(now: number): ChartRecord[] {
    const h = this.host!;
    const lanes: string[] = [];
    const byOwner = new Map<string, number[][]>();
    const open = new Map<string, { t: number; owner: string }>();
    const close = (device: string, t: number): void => {
      const o = open.get(device);
      if (o === undefined || o.owner === "absent") return;
      const pts = byOwner.get(o.owner) ?? [];
      pts.push([o.t / S, t / S, lanes.indexOf(device)]);
      byOwner.set(o.owner, pts);
    };
    for (const x of h.ownerLog) {
      if (!lanes.includes(x.device)) lanes.push(x.device);
      close(x.device, x.t);
      open.set(x.device, { t: x.t, owner: x.owner });
    }
    for (const d of open.keys()) close(d, now);
    const steps = this.interruptSteps;
    return [
      {
        id: "pcie-ownership",
        title: "Who owned each PCI function (VT-d domain)",
        kind: "gantt",
        x: { label: "simulated time", unit: "s" },
        y: { label: "function", unit: "1" },
        categories: lanes,
        series: [...byOwner.entries()].map(([name, points]) => ({ name, points })),
      },
      {
        id: "pcie-interrupts",
        title: "Interrupts: root port AER and guest hot-plug (cumulative)",
        kind: "step",
        x: { label: "simulated time", unit: "s" },
        y: { label: "interrupts", unit: "1" },
        series: [
          {
            name: "AER (root port)",
            points: [[0, 0], ...steps.map((s) => [s.t / S, s.aer]), [now / S, h.stats.aerInterrupts]],
          },
          {
            name: "hot-plug (guest slots)",
            points: [
              [0, 0],
              ...steps.map((s) => [s.t / S, s.hotplug]),
              [now / S, h.stats.guestHotplugInterrupts],
            ],
          },
        ],
      },
      {
        id: "pcie-dma",
        title: "Assigned devices' DMA writes through VT-d per sample period",
        kind: "line",
        x: { label: "simulated time", unit: "s" },
        y: { label: "DMA writes", unit: "1" },
        series: [
          { name: "translated", points: this.dmaSeries },
          { name: "faulted", points: this.faultSeries },
        ],
      },
    ];
  }
}
