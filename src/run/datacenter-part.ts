/**
 * The scenario's `datacenter` as a model part: reads the workload's traces, builds the
 * fluid data centre and its consolidation policy on the run's kernel, and reports the
 * paper's metrics (energy, SLATAH, PDM, SLAV, ESV, migrations, host shutdowns) with charts
 * of active hosts and power over the run. Runs on the scenario kernel like any other part:
 * one event per interval and per batch of migration ends.
 */
import { buildDatacenter, type DatacenterConfig } from "../cluster/consolidation/datacenter-build.js";
import type { DatacenterSim } from "../cluster/consolidation/datacenter-sim.js";
import { policyLabel } from "../cluster/consolidation/policy-names.js";
import type { FluidMetrics } from "../cluster/fluid/fluid-datacenter.js";
import { TraceSet } from "../cluster/fluid/utilisation-trace.js";
import type { Kernel } from "../kernel/kernel.js";
import type { DatacenterSpec } from "../scenario/datacenter-schema.js";
import { readPlanetLabDay } from "../scenario/planetlab-traces.js";
import type { ModelPart, PartResults } from "./model-part.js";
import { type ChartRecord, type MetricRecord, num, type TableRecord } from "./results.js";

const ENTITY = "datacenter";

/** Reads the traces a spec names and turns it into a runnable configuration. */
export function datacenterConfig(spec: DatacenterSpec, duration: number): DatacenterConfig {
  const w = spec.workload;
  const traces =
    w.type === "planetlab" ? readPlanetLabDay(w.dir, w.maxVms).traces : TraceSet.fromRows(w.traces, w.period);
  return configWithTraces(spec, traces, duration);
}

/** A runnable configuration from a spec and traces already read. */
export function configWithTraces(spec: DatacenterSpec, traces: TraceSet, duration: number): DatacenterConfig {
  return {
    hosts: spec.hosts,
    vmTypes: spec.vmTypes,
    vmTypeAssignment: spec.vmTypeAssignment,
    traces,
    policy: spec.policy,
    share: spec.share,
    migrationBandwidthFraction: spec.migrationBandwidthFraction,
    zeroDemand: spec.zeroDemand,
    bootOnlyReservations: spec.bootOnlyReservations,
    interval: spec.interval,
    duration,
  };
}

export class DatacenterPart implements ModelPart {
  private sim: DatacenterSim | null = null;
  private readonly config: DatacenterConfig;
  private measuredFrom = 0;

  constructor(
    private readonly spec: DatacenterSpec,
    duration: number,
  ) {
    this.config = datacenterConfig(spec, duration);
  }

  start(k: Kernel): void {
    this.sim = buildDatacenter(this.config, k);
    this.sim.start(k);
  }

  resetStats(now: number): void {
    const dc = this.sim?.dc;
    if (!dc) return;
    dc.update(now);
    dc.resetAccounts();
    this.measuredFrom = now;
  }

  sample(_now: number): void {
    // The part keeps its own series, one point per consolidation interval.
  }

  collect(now: number): PartResults {
    const sim = this.sim;
    if (!sim) throw new Error("datacenter part collected before it started");
    sim.finish(now);
    const m = sim.dc.metrics();
    const label = policyLabel(this.spec.policy);
    const expected = this.spec.policy.allocation === "npa" ? this.npaEnergyKwh(now) : undefined;
    return {
      metrics: this.metrics(m, sim, expected),
      tables: [this.metricsTable(label, m, sim), this.setupTable()],
      charts: this.charts(sim, label),
      notes: this.notes(sim),
    };
  }

  /** Every host at full power for the measured span (what NPA must give exactly). */
  private npaEnergyKwh(now: number): number {
    let w = 0;
    for (const h of this.config.hosts) w += h.power.maxPower;
    return (w * ((now - this.measuredFrom) / 1e9)) / 3.6e6;
  }

  private metrics(m: FluidMetrics, sim: DatacenterSim, expectedEnergy: number | undefined): MetricRecord[] {
    const out: MetricRecord[] = [];
    const add = (
      name: string,
      value: number,
      unit: string,
      description: string,
      extra: Partial<MetricRecord> = {},
    ) => out.push({ entity: ENTITY, name, value: num(value), unit, description, ...extra });
    add("energy", m.energyKwh, "kWh", "energy of all hosts (trapezoid rule between events; off hosts 0)", {
      expected: expectedEnergy,
    });
    add(
      "slatah",
      m.slatah,
      "1",
      "SLA violation time per active host: active time with allocated < requested MIPS",
    );
    add(
      "pdm",
      m.pdm,
      "1",
      "performance degradation due to migration: MIPS-s lost while migrating / MIPS-s requested",
    );
    add("slav", m.slav, "1", "SLATAH x PDM");
    add("esv", m.esv, "kWh", "energy x SLAV");
    add("migrations", m.migrations, "1", "live migrations started");
    add("host_shutdowns", m.hostShutdowns, "1", "active -> idle transitions of hosts (hosts start active)");
    add(
      "time_before_shutdown.mean",
      m.meanSecondsBeforeShutdown,
      "s",
      "mean time a host stayed on before shutting down",
    );
    add(
      "shortfall.overall",
      m.overallShortfall,
      "1",
      "(requested - allocated) / requested over all VM-seconds",
    );
    add(
      "shortfall.average",
      m.averageShortfall,
      "1",
      "mean shortfall fraction over under-allocated VM segments",
    );
    add("vms", sim.dc.vms, "1", "VMs (one per trace)");
    add(
      "vms.finished",
      m.finishedVms,
      "1",
      "VMs ended because their demand was 0 at an update (zero_demand: finish)",
    );
    add("vms.unplaced", sim.unplaced.length, "1", "VMs no host could take at time 0");
    add("hosts", sim.dc.hosts, "1", "hosts");
    const samples = sim.samples.filter((p) => p.timeS * 1e9 > this.measuredFrom);
    const meanActive = samples.reduce((a, p) => a + p.activeHosts, 0) / Math.max(1, samples.length);
    add("active_hosts.mean", meanActive, "1", "mean number of active hosts at the interval boundaries");
    return out;
  }

  private metricsTable(label: string, m: FluidMetrics, sim: DatacenterSim): TableRecord {
    return {
      id: "datacenter-metrics",
      title: "Data centre: energy and SLA (metrics as Beloglazov and Buyya define them)",
      columns: [
        { name: "policy" },
        { name: "energy", unit: "kWh" },
        { name: "SLATAH", unit: "%" },
        { name: "PDM", unit: "%" },
        { name: "SLAV", unit: "x1e-5" },
        { name: "ESV", unit: "x1e-3" },
        { name: "migrations" },
        { name: "host shutdowns" },
        { name: "VMs" },
        { name: "VMs finished" },
      ],
      rows: [
        [
          label,
          round(m.energyKwh, 2),
          round(m.slatah * 100, 3),
          round(m.pdm * 100, 4),
          round(m.slav * 1e5, 3),
          round(m.esv * 1e3, 3),
          m.migrations,
          m.hostShutdowns,
          sim.dc.vms,
          m.finishedVms,
        ],
      ],
    };
  }

  private setupTable(): TableRecord {
    const s = this.spec;
    const w = s.workload;
    const rows: (string | number | null)[][] = [
      ["hosts", s.hostGroups.map((g) => `${g.count} x ${g.model}`).join(", ")],
      [
        "VM types",
        s.vmTypes.map((t) => `${t.name} ${t.mips} MIPS ${Math.round(t.memory / 1e6)} MB`).join(", "),
      ],
      ["VM type assignment", s.vmTypeAssignment],
      [
        "workload",
        w.type === "planetlab" ? `PlanetLab ${w.day} (${this.config.traces.vms} traces)` : "inline traces",
      ],
      ["interval", `${s.interval / 1e9} s`],
      ["share", s.share],
      ["zero demand", s.zeroDemand],
      ["reservations", s.bootOnlyReservations ? "boot-only" : "always"],
    ];
    if (s.policy.allocation === "migrate") {
      rows.push(
        ["LR fit", s.policy.overload.lrFit],
        ["fallback threshold", s.policy.overload.fallbackThreshold],
      );
    }
    return {
      id: "datacenter-setup",
      title: "Data centre setup",
      columns: [{ name: "item" }, { name: "value" }],
      rows,
    };
  }

  private charts(sim: DatacenterSim, label: string): ChartRecord[] {
    const hours = (t: number) => Number((t / 3600).toFixed(4));
    return [
      {
        id: "datacenter-active-hosts",
        title: "Active hosts over the run",
        kind: "step",
        x: { label: "simulated time", unit: "h" },
        y: { label: "active hosts", unit: "1" },
        series: [{ name: label, points: sim.samples.map((p) => [hours(p.timeS), p.activeHosts]) }],
      },
      {
        id: "datacenter-power",
        title: "Power of the data centre over the run",
        kind: "line",
        x: { label: "simulated time", unit: "h" },
        y: { label: "power", unit: "kW" },
        series: [
          { name: label, points: sim.samples.map((p) => [hours(p.timeS), round(p.powerW / 1000, 4)]) },
        ],
      },
      {
        id: "datacenter-migrations",
        title: "Migrations started per interval",
        kind: "step",
        x: { label: "simulated time", unit: "h" },
        y: { label: "migrations", unit: "1" },
        series: [{ name: label, points: sim.samples.map((p) => [hours(p.timeS), p.migrationsStarted]) }],
      },
    ];
  }

  private notes(sim: DatacenterSim): string[] {
    const notes: string[] = [];
    if (sim.unplaced.length > 0)
      notes.push(`${sim.unplaced.length} VMs found no host at time 0 and never ran`);
    if (this.spec.zeroDemand === "finish") {
      notes.push("zero_demand: finish - as in CloudSim, a VM whose demand is 0 at an update ends for good");
    }
    return notes;
  }
}

function round(x: number, digits: number): number | null {
  return Number.isFinite(x) ? Number(x.toFixed(digits)) : null;
}
