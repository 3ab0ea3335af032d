/**
 * Builds a consolidation experiment from plain data (host models, VM types, traces, a
 * policy) and runs it standalone on its own kernel. The scenario runner (run/datacenter-part.ts),
 * `xenlab consolidation compare` and the `cluster.planetlab` benchmark all go through here,
 * so the three cannot drift apart.
 */
import { Kernel } from "../../kernel/kernel.js";
import { type HostModel, paperVmTypeIndex, type VmType } from "../fluid/datacenter-catalog.js";
import {
  FluidDatacenter,
  type FluidMetrics,
  type FluidVm,
  type ZeroDemandRule,
} from "../fluid/fluid-datacenter.js";
import type { SharePolicy } from "../fluid/share-policy.js";
import type { TraceSet } from "../fluid/utilisation-trace.js";
import { type ConsolidationPolicy, DatacenterSim, type IntervalSample } from "./datacenter-sim.js";

export interface DatacenterConfig {
  hosts: readonly HostModel[];
  vmTypes: readonly (VmType & { weight?: number; cap?: number })[];
  /** blocks: VM i gets type floor(i / ceil(n / types)) (CloudSim); cycle: i mod types. */
  vmTypeAssignment: "blocks" | "cycle";
  traces: TraceSet;
  policy: ConsolidationPolicy;
  share: SharePolicy;
  migrationBandwidthFraction: number;
  zeroDemand: ZeroDemandRule;
  bootOnlyReservations: boolean;
  /** Consolidation interval, ns. */
  interval: number;
  /** Length of the run, ns. */
  duration: number;
}

/** The VMs of a configuration: one per trace, types by the assignment rule. */
export function vmsFor(config: DatacenterConfig): FluidVm[] {
  const n = config.traces.vms;
  const types = config.vmTypes.length;
  return Array.from({ length: n }, (_, i) => {
    const t =
      config.vmTypes[config.vmTypeAssignment === "blocks" ? paperVmTypeIndex(i, n, types) : i % types];
    return { type: t, weight: t.weight, cap: t.cap };
  });
}

export function buildDatacenter(config: DatacenterConfig, k: Kernel): DatacenterSim {
  const dc = new FluidDatacenter(config.hosts, vmsFor(config), config.traces, {
    share: config.share,
    zeroDemand: config.zeroDemand,
    migrationBandwidthFraction: config.migrationBandwidthFraction,
    historyPeriod: config.interval,
    powerAware: config.policy.allocation !== "npa",
    bootOnlyReservations: config.bootOnlyReservations,
  });
  return new DatacenterSim(
    dc,
    config.policy,
    config.interval,
    config.duration,
    k.rng("consolidation/vm-selection"),
  );
}

export interface DatacenterRun {
  metrics: FluidMetrics;
  samples: IntervalSample[];
  events: number;
  unplaced: number;
}

/** Runs a configuration to its end on a fresh kernel with the given seed. */
export function runDatacenter(config: DatacenterConfig, seed = 1): DatacenterRun {
  const k = new Kernel(seed);
  const sim = buildDatacenter(config, k);
  sim.start(k);
  k.run(config.duration);
  sim.finish(config.duration);
  return { metrics: sim.dc.metrics(), samples: sim.samples, events: k.events, unplaced: sim.unplaced.length };
}
