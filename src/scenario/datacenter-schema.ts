/**
 * The `datacenter:` section of a scenario: a data centre on the fluid tier (hosts with
 * SPECpower models, VMs following CPU traces) under a consolidation policy. The defaults
 * are the Beloglazov and Buyya experiment's where a choice is the paper's (300 s interval,
 * the four VM types assigned in blocks, PABFD, fallback threshold 0.7); the two CloudSim
 * artefacts that the paper's numbers depend on are explicit switches, off by default:
 * `zero_demand: finish` and `reservations: boot-only` (see src/cluster/fluid/README.md).
 *
 * A sketch:
 *   datacenter:
 *     hosts: [{ model: hp-proliant-ml110-g4, count: 400 }, { model: hp-proliant-ml110-g5, count: 400 }]
 *     workload: { type: planetlab, day: "20110303" }
 *     policy: { overload: lr, parameter: 1.2, selection: mmt }
 */
import { dirname, resolve } from "node:path";
import * as z from "zod";
import type { ConsolidationPolicy } from "../cluster/consolidation/datacenter-sim.js";
import { ALLOCATION_POLICIES } from "../cluster/consolidation/datacenter-sim.js";
import { LR_FITS, type LrFit } from "../cluster/consolidation/local-regression.js";
import { FALLBACK_THRESHOLD, OVERLOAD_DETECTORS } from "../cluster/consolidation/overload-detection.js";
import { VM_SELECTIONS } from "../cluster/consolidation/vm-selection.js";
import {
  HOST_MODELS,
  type HostModel,
  hostModelByName,
  PAPER_VM_TYPES,
  type VmType,
} from "../cluster/fluid/datacenter-catalog.js";
import { ZERO_DEMAND_RULES, type ZeroDemandRule } from "../cluster/fluid/fluid-datacenter.js";
import { SHARE_POLICIES, type SharePolicy } from "../cluster/fluid/share-policy.js";
import { SPEC_POWER_POINTS, SpecPowerModel } from "../cluster/fluid/spec-power.js";
import type { InputIssue, PathSegment } from "./input-issues.js";
import { findPlanetLabDay, PLANETLAB_DAYS, planetLabSearchPath } from "./planetlab-traces.js";
import { Bitrate, Count, Duration, Name, PositiveInt, Size } from "./schema-parts.js";

const PRESET_NAMES = HOST_MODELS.map((m) => m.name) as [string, ...string[]];

const CustomHostModel = z.strictObject({
  name: Name,
  cores: PositiveInt,
  mips_per_core: z.number().positive(),
  memory: Size,
  bandwidth: Bitrate,
  /** Power in W at 0, 10, ..., 100 % utilisation (a SPECpower table). */
  power: z.array(z.number().nonnegative()).length(SPEC_POWER_POINTS, {
    error: `expected ${SPEC_POWER_POINTS} power values (W at 0%, 10%, ..., 100%)`,
  }),
});

const HostGroup = z.strictObject({
  /** A preset name, or a host model written out. */
  model: z.union([
    z.enum(PRESET_NAMES, { error: `expected a host model: ${PRESET_NAMES.join(", ")}` }),
    CustomHostModel,
  ]),
  count: Count.default(1),
});

const VmTypeSpec = z.strictObject({
  name: Name,
  mips: z.number().positive(),
  vcpus: PositiveInt.default(1),
  memory: Size,
  bandwidth: Bitrate.default(100e6),
  /** Credit weight, used by `share: credit`. */
  cpu_weight: z.int().min(1).max(65535).default(256),
  /** Credit cap in percent of one core (0 = none), used by `share: credit`. */
  cap: z.int().min(0).max(51200).default(0),
});

const PlanetLabWorkload = z.strictObject({
  type: z.literal("planetlab"),
  /** A day of the data set, e.g. "20110303". */
  day: z.string().regex(/^\d{8}$/, { error: 'expected a day like "20110303"' }),
  /** Folder holding the day's trace files (relative to the scenario); default: datasets/planetlab/<day>, then the cache. */
  dir: z.string().optional(),
  /** Use only the first N traces (a smaller data centre for a quick look). */
  max_vms: PositiveInt.optional(),
});

const InlineTraces = z.strictObject({
  type: z.literal("traces"),
  /** Time between samples. */
  period: Duration,
  /** One row per VM: CPU utilisation as a fraction of the VM's MIPS, per sample. */
  traces: z.array(z.array(z.number().min(0).max(1)).min(1)).min(1),
});

const Policy = z.strictObject({
  /** migrate: consolidate with live migration; dvfs / npa: the paper's non-migrating benchmarks. */
  allocation: z.enum(ALLOCATION_POLICIES).default("migrate"),
  overload: z.enum(OVERLOAD_DETECTORS).default("lr"),
  /** Threshold (thr) or safety parameter (iqr, mad, lr, lrr); default: the paper's value. */
  parameter: z.number().positive().optional(),
  selection: z.enum(VM_SELECTIONS).default("mmt"),
  fallback_threshold: z.number().positive().default(FALLBACK_THRESHOLD),
  /** loess: the paper's weighted fit; cloudsim-ols: CloudSim 3.0's shipped fit (plain least squares). */
  lr_fit: z.enum(LR_FITS).default("loess"),
});

/** The paper's parameter per detector (CloudSim examples' defaults). */
export const DEFAULT_PARAMETER: Record<(typeof OVERLOAD_DETECTORS)[number], number> = {
  thr: 0.8,
  iqr: 1.5,
  mad: 2.5,
  lr: 1.2,
  lrr: 1.2,
};

export const Datacenter = z.strictObject({
  /** Consolidation (and accounting) interval. */
  interval: Duration.default(300e9),
  hosts: z.array(HostGroup).min(1, { error: "expected at least one host group" }),
  /** interleaved: host i is of group i mod groups (CloudSim's `i % HOST_TYPES`); grouped: in the order given. */
  host_order: z.enum(["interleaved", "grouped"]).default("interleaved"),
  /** "paper" (the four EC2-like types) or a list of types. */
  vm_types: z.union([z.literal("paper"), z.array(VmTypeSpec).min(1)]).default("paper"),
  /** blocks: VM i gets type floor(i / ceil(n / types)) (CloudSim); cycle: i mod types. */
  vm_type_assignment: z.enum(["blocks", "cycle"]).default("blocks"),
  workload: z.discriminatedUnion("type", [PlanetLabWorkload, InlineTraces], {
    error: "expected a workload: planetlab (a day of the data set) or traces (written out)",
  }),
  policy: Policy.default({
    allocation: "migrate",
    overload: "lr",
    selection: "mmt",
    fallback_threshold: FALLBACK_THRESHOLD,
    lr_fit: "loess",
  }),
  /** How a host's CPU is shared: cloudsim (demand-proportional, the paper's) or credit (Xen weights and caps). */
  share: z.enum(SHARE_POLICIES).default("cloudsim"),
  /** Fraction of the target's bandwidth a live migration uses. */
  migration_bandwidth_fraction: z.number().gt(0).max(1).default(0.5),
  /** finish: a VM whose demand is 0 at an update ends (CloudSim); keep: it stays. */
  zero_demand: z.enum(ZERO_DEMAND_RULES).default("keep"),
  /** boot-only: memory and bandwidth count only at VM creation (CloudSim's experiment); always: wherever a VM goes. */
  reservations: z.enum(["always", "boot-only"]).default("always"),
});

export type DatacenterParsed = z.output<typeof Datacenter>;

export type WorkloadSpec =
  | { type: "planetlab"; day: string; dir: string; maxVms: number | undefined }
  | { type: "traces"; period: number; traces: number[][] };

export interface DatacenterVmType extends VmType {
  weight: number;
  cap: number;
}

/** The `datacenter` section resolved: hosts expanded in order, the workload located. */
export interface DatacenterSpec {
  interval: number;
  hosts: HostModel[];
  /** Host groups as given, for reports. */
  hostGroups: { model: string; count: number }[];
  vmTypes: DatacenterVmType[];
  vmTypeAssignment: "blocks" | "cycle";
  workload: WorkloadSpec;
  policy: ConsolidationPolicy;
  share: SharePolicy;
  migrationBandwidthFraction: number;
  zeroDemand: ZeroDemandRule;
  bootOnlyReservations: boolean;
}

type At = (p: readonly PathSegment[], message: string, code?: InputIssue["code"]) => void;

/** Resolves a parsed section; reports problems through `at` (paths under "datacenter"). */
export function resolveDatacenter(d: DatacenterParsed, scenarioPath: string | null, at: At): DatacenterSpec {
  const groups = d.hosts.map((g) => {
    // Preset names are checked by the schema's enum.
    const model =
      typeof g.model === "string" ? (hostModelByName(g.model) as HostModel) : customModel(g.model);
    return { model, count: g.count };
  });
  const hosts = orderHosts(groups, d.host_order);
  const vmTypes: DatacenterVmType[] =
    d.vm_types === "paper"
      ? PAPER_VM_TYPES.map((t) => ({ ...t, weight: 256, cap: 0 }))
      : d.vm_types.map((t) => ({
          name: t.name,
          mips: t.mips,
          vcpus: t.vcpus,
          memory: t.memory,
          bandwidth: t.bandwidth,
          weight: t.cpu_weight,
          cap: t.cap,
        }));
  const workload = resolveWorkload(d.workload, scenarioPath, at);
  const p = d.policy;
  return {
    interval: d.interval,
    hosts,
    hostGroups: groups.map((g) => ({ model: g.model.name, count: g.count })),
    vmTypes,
    vmTypeAssignment: d.vm_type_assignment,
    workload,
    policy: {
      allocation: p.allocation,
      overload: {
        detector: p.overload,
        parameter: p.parameter ?? DEFAULT_PARAMETER[p.overload],
        fallbackThreshold: p.fallback_threshold,
        lrFit: p.lr_fit as LrFit,
      },
      selection: p.selection,
    },
    share: d.share,
    migrationBandwidthFraction: d.migration_bandwidth_fraction,
    zeroDemand: d.zero_demand,
    bootOnlyReservations: d.reservations === "boot-only",
  };
}

function customModel(m: z.output<typeof CustomHostModel>): HostModel {
  return {
    name: m.name,
    description: `${m.name} (${m.cores} cores x ${m.mips_per_core} MIPS)`,
    cores: m.cores,
    mipsPerCore: m.mips_per_core,
    memory: m.memory,
    bandwidth: m.bandwidth,
    power: new SpecPowerModel(m.name, m.power),
    source: "scenario file",
  };
}

function orderHosts(
  groups: { model: HostModel; count: number }[],
  order: "interleaved" | "grouped",
): HostModel[] {
  if (order === "grouped") return groups.flatMap((g) => Array.from({ length: g.count }, () => g.model));
  // CloudSim: host i is of type i % types. Uneven counts: keep cycling over groups with hosts left.
  const left = groups.map((g) => g.count);
  const out: HostModel[] = [];
  while (left.some((n) => n > 0)) {
    groups.forEach((g, i) => {
      if (left[i] > 0) {
        out.push(g.model);
        left[i]--;
      }
    });
  }
  return out;
}

function resolveWorkload(w: DatacenterParsed["workload"], scenarioPath: string | null, at: At): WorkloadSpec {
  if (w.type === "traces") return { type: "traces", period: w.period, traces: w.traces };
  const explicit =
    w.dir === undefined ? undefined : resolve(scenarioPath === null ? "." : dirname(scenarioPath), w.dir);
  const dir = findPlanetLabDay(w.day, explicit);
  if (dir === null) {
    const known = (PLANETLAB_DAYS as readonly string[]).includes(w.day)
      ? ""
      : ` (the data set's days are ${PLANETLAB_DAYS.join(", ")})`;
    at(
      ["datacenter", "workload", w.dir === undefined ? "day" : "dir"],
      `no PlanetLab traces for day ${w.day}: looked in ${planetLabSearchPath(w.day, explicit).join(" and ")}${known}; ` +
        "copy the day there with `xenlab planetlab fetch --from <folder with the days>`",
      "file",
    );
  }
  return { type: "planetlab", day: w.day, dir: dir ?? "", maxVms: w.max_vms };
}
