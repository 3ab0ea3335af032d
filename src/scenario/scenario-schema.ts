/**
 * The scenario file format (DESIGN.md, "Scenario files"). One zod schema is the single
 * source: it validates files, types the loaded scenario, and is exported as JSON Schema
 * (`xenlab schema`, `schemas/scenario.schema.json`) for editors.
 *
 * What runs today: `stations` (open queueing stations on the kernel), `hosts` with
 * `domains` (the Xen host model with the Credit scheduler), `pcie` (the PCI Express and
 * VT-d model) and `datacenter` (the fluid data-centre tier with dynamic consolidation,
 * datacenter-schema.ts). Credit2 and RTDS are in the format already; `xenlab run` says
 * plainly that they are not built yet.
 */
import * as z from "zod";
import { parseCpuList } from "./cpulist.js";
import { Datacenter, type DatacenterSpec } from "./datacenter-schema.js";
import {
  HostIo,
  NetfrontOptions,
  type NetfrontSpec,
  NetRrWorkload,
  NetStreamWorkload,
} from "./io-section.js";
import { PcieSection, type PcieSectionSpec } from "./pcie-section.js";
import {
  Arrivals,
  Count,
  Duration,
  Frequency,
  Name,
  PositiveInt,
  Size,
  TimeDistribution,
} from "./schema-parts.js";

export const SCENARIO_SCHEMA_ID = "https://xenlab.dev/schemas/scenario.schema.json";

export const Station = z.strictObject({
  name: Name,
  count: Count.optional(),
  /** Identical servers in parallel (c). */
  servers: PositiveInt.default(1),
  /** Most customers in the station, waiting plus in service (K); arrivals beyond it are lost. */
  capacity: PositiveInt.optional(),
  arrivals: Arrivals,
  service: TimeDistribution,
});

/**
 * Xen releases whose behaviour the host model distinguishes (Credit's flags change at
 * 3.4, 4.0, 4.1, 4.2, 4.3, 4.5, 4.7, 4.8, 4.9; see src/xen/sched/credit-params.ts).
 * 4.14 and 4.17 run Credit with 4.9's behaviour, and are the Credit2 and oracle versions.
 */
export const XEN_VERSIONS = [
  "3.4",
  "4.0",
  "4.1",
  "4.2",
  "4.3",
  "4.5",
  "4.7",
  "4.8",
  "4.9",
  "4.14",
  "4.17",
] as const;
export const SCHEDULERS = ["credit", "credit2", "rtds"] as const;

/** Xen console debug keys xenlab models (xen/common/keyhandler.c). */
export const DEBUG_KEYS = ["r", "q"] as const;

/** Credit's behaviour flags (src/xen/sched/credit-params.ts), for single-flag experiments. */
const CREDIT_FLAG_KEYS = [
  "sampledDebit",
  "acctInMasterTick",
  "idleBias",
  "perVcpuWeight",
  "halveOnInactive",
  "tickleOneIdler",
  "crossSocket2x",
  "yieldBehindLower",
  "tsliceRatelimit",
  "residual",
  "smartTickle",
  "pickDiscountRunqIdle",
  "softAffinity",
  "kickOnlyIfIdlerFits",
  "noBoostOnMigrate",
  "ratelimitRemaining",
  "yieldSkipsRatelimit",
  "tickledLeaveIdlers",
  "unparkClearsFirst",
] as const;

/** Credit parameters (sched_credit_tslice_ms, sched_ratelimit_us, vcpu_migration_delay). */
export const CreditOptions = z.strictObject({
  /** Time slice and accounting period (Xen 4.2+; 30 ms before). */
  tslice: Duration.optional(),
  /** Minimum run before a preemption (Xen 4.2+, default 1 ms; none before). 0 disables. */
  ratelimit: Duration.optional(),
  /** A vCPU that ran this recently is cache-hot and is not stolen by other pCPUs. */
  migration_delay: Duration.optional(),
  /** Override single behaviour flags of the chosen version. */
  flags: z.partialRecord(z.enum(CREDIT_FLAG_KEYS), z.boolean()).optional(),
});

const CpuList = z.string({ error: 'expected a CPU list like "0-3,^1"' }).superRefine((s, ctx) => {
  const parsed = parseCpuList(s);
  if (typeof parsed === "string")
    ctx.addIssue({ code: "custom", message: `expected a CPU list like "0-3,^1": ${parsed}` });
});

export const Workload = z.discriminatedUnion(
  "type",
  [
    /** Blocks at once and stays blocked. */
    z.strictObject({ type: z.literal("idle") }),
    /** Always runnable. */
    z.strictObject({ type: z.literal("hog") }),
    /** A job of `run` CPU every `period` (audio, video); see src/guest/periodic.ts. */
    z.strictObject({
      type: z.literal("periodic"),
      period: Duration,
      run: Duration,
      offset: Duration.default(0),
      /** Each release is late by a uniform draw in [0, jitter). */
      jitter: Duration.default(0),
      /** A job finishing later than release + deadline is a miss (default: the period). */
      deadline: Duration.optional(),
      /** Also run a CPU burner below the periodic thread, so the vCPU never blocks. */
      background: z.boolean().default(false),
    }),
    /** Cyclic run/block phases (Dunlap's sched-sim workloads). */
    z.strictObject({
      type: z.literal("phases"),
      phases: z.array(z.strictObject({ run: TimeDistribution, block: TimeDistribution })).min(1),
    }),
    /** Requests into a queue inside the guest, served FIFO (a web server). */
    z.strictObject({
      type: z.literal("requests"),
      arrivals: Arrivals,
      service: TimeDistribution,
      /** shared: one queue for the domain's vCPUs; per_vcpu: a queue and arrival stream each. */
      queue: z.enum(["shared", "per_vcpu"]).default("shared"),
    }),
    /** The 3.4 accounting attack: run after each scheduler tick, sleep across the next. */
    z.strictObject({
      type: z.literal("rogue"),
      run: Duration,
      /** The tick it has learnt (Credit: 10 ms) and one tick instant. */
      tick: Duration.default(10_000_000),
      phase: Duration.default(0),
      /** How long after a tick it wakes (default (tick - run) / 2). */
      guard: Duration.optional(),
    }),
    /** PV network I/O (src/io): a netperf-like stream or request/response on a VIF. */
    NetStreamWorkload,
    NetRrWorkload,
  ],
  { error: "expected a workload: idle, hog, periodic, phases, requests, rogue, net_stream or net_rr" },
);

/** One workload for every vCPU, or a list with one per vCPU. */
const Workloads = z.union([Workload, z.array(Workload).min(1)]);

/** One initial pCPU for all vCPUs, or one per vCPU. */
const Processor = z.union([z.int().min(0), z.array(z.int().min(0)).min(1)]);

export const Dom0 = z.strictObject({
  /** dom0_max_vcpus (default: one per pCPU, as Xen does). */
  vcpus: PositiveInt.max(512).optional(),
  cpu_weight: z.int().min(1).max(65535).default(256),
  cap: z.int().min(0).max(51200).default(0),
  cpus: z.union([CpuList, z.array(CpuList)]).optional(),
  workload: Workloads.default({ type: "idle" }),
});

export const Host = z
  .strictObject({
    name: Name,
    count: Count.optional(),
    topology: z
      .strictObject({
        sockets: PositiveInt.default(1),
        /** Cores per socket. */
        cores: PositiveInt.default(1),
        /** Hardware threads per core (SMT siblings). */
        threads: PositiveInt.default(1),
      })
      .default({ sockets: 1, cores: 1, threads: 1 }),
    memory: Size.default(16 * 2 ** 30),
    /** TSC rate; also what trace timestamps count in (xenalyze's default is 2.4 GHz). */
    clock: Frequency.default(2.4e9),
    xen: z
      .strictObject({
        version: z.enum(XEN_VERSIONS).default("4.2"),
        scheduler: z.enum(SCHEDULERS).default("credit"),
        credit: CreditOptions.optional(),
      })
      .default({ version: "4.2", scheduler: "credit" }),
    /** Machine costs (all 0 by default, as in Dunlap's sched-sim). */
    costs: z
      .strictObject({
        /** From a context switch until guest code runs (charged as running time). */
        context_switch: Duration.default(0),
        /** From a tickle (IPI) to schedule() on the target pCPU. */
        ipi_latency: Duration.default(0),
        /** Extra delay when a vCPU runs on another pCPU than last time. */
        migration: Duration.default(0),
      })
      .default({ context_switch: 0, ipi_latency: 0, migration: 0 }),
    dom0: Dom0.default({ cpu_weight: 256, cap: 0, workload: { type: "idle" } }),
    /** Keys pressed on the Xen console; the dumps go to console.log in the output folder. */
    debug_keys: z.array(z.strictObject({ at: Duration, key: z.enum(DEBUG_KEYS) })).default([]),
    /** PV I/O: physical NIC, netback model, limits, cost table (src/scenario/io-section.ts). */
    io: HostIo.optional(),
  })
  .superRefine((h, ctx) => {
    const old = ["3.4", "4.0", "4.1"].includes(h.xen.version);
    const c = h.xen.credit;
    if (old && c?.tslice !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["xen", "credit", "tslice"],
        message: "tslice needs xen.version 4.2 or later",
      });
    if (old && c?.ratelimit !== undefined && c.ratelimit !== 0)
      ctx.addIssue({
        code: "custom",
        path: ["xen", "credit", "ratelimit"],
        message: "ratelimit needs xen.version 4.2 or later",
      });
    if (c !== undefined && h.xen.scheduler !== "credit")
      ctx.addIssue({
        code: "custom",
        path: ["xen", "credit"],
        message: `credit options with scheduler ${h.xen.scheduler}`,
      });
  });

const ON_CRASH = [
  "destroy",
  "restart",
  "rename-restart",
  "preserve",
  "coredump-destroy",
  "coredump-restart",
  "soft-reset",
] as const;

/** Fields shared by inline domains and xl.cfg imports (xl.cfg(5) names and meanings). */
const domainFields = {
  count: Count.optional(),
  /** Host to place the domain on (default: the first host). */
  host: Name.optional(),
  vcpus: PositiveInt.max(512).optional(),
  /** Memory (xl.cfg's `memory` is in MiB; here write the unit). */
  memory: Size.optional(),
  /** Hard affinity: one CPU list for all vCPUs, or one per vCPU. */
  cpus: z.union([CpuList, z.array(CpuList)]).optional(),
  cpus_soft: z.union([CpuList, z.array(CpuList)]).optional(),
  cpu_weight: z.int().min(1).max(65535).optional(),
  /** Percent of one pCPU; 0 = no cap. */
  cap: z.int().min(0).max(51200).optional(),
  vif: z.array(z.string()).optional(),
  disk: z.array(z.string()).optional(),
  pci: z.array(z.string()).optional(),
  usbdev: z.array(z.string()).optional(),
  /** netfront options (smart polling): one for every VIF, or one per VIF. */
  netfront: z.union([NetfrontOptions, z.array(NetfrontOptions)]).optional(),
  on_crash: z.enum(ON_CRASH).optional(),
  workload: Workloads.optional(),
  /** Initial pCPU of each vCPU, bypassing Xen's placement (to set up a starting state). */
  processor: Processor.optional(),
  /** Import the domain from an xl.cfg file (path relative to the scenario); fields here override it. */
  xlcfg: z.string().optional(),
};

export const Domain = z.strictObject({ name: Name.optional(), ...domainFields });

export const Outputs = z
  .strictObject({
    /** Write the run as a XenTrace binary file. */
    trace: z.boolean().default(false),
    /** Write report.html. */
    report: z.boolean().default(true),
    /** Period of the time series in the report. */
    sample_period: Duration.optional(),
    /** Length of the who-ran-where Gantt chart, from the end of the warm-up (default 200 ms). */
    gantt: Duration.optional(),
  })
  .default({ trace: false, report: true });

export const Scenario = z.strictObject({
  /** Shown in reports; also the default output folder name. */
  name: Name,
  description: z.string().optional(),
  /** Every random stream derives from (seed, entity name). */
  seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).default(1),
  duration: Duration,
  /** Statistics are reset at the end of the warm-up. */
  warmup: Duration.default(0),
  stations: z.array(Station).default([]),
  hosts: z.array(Host).default([]),
  domains: z.array(Domain).default([]),
  /** A self-contained PCI Express model: topology, guests, AER policy, timed events. */
  pcie: PcieSection.optional(),
  /** A data centre on the fluid tier under a consolidation policy (datacenter-schema.ts). */
  datacenter: Datacenter.optional(),
  outputs: Outputs,
});

export type ScenarioInput = z.input<typeof Scenario>;
export type ScenarioParsed = z.output<typeof Scenario>;
export type StationSpec = Omit<z.output<typeof Station>, "count">;
export type HostSpec = Omit<z.output<typeof Host>, "count">;
export type WorkloadSpec = z.output<typeof Workload>;
export type DomainParsed = z.output<typeof Domain>;
/** A domain after xl.cfg import and `count` expansion: every field resolved. */
export interface DomainSpec {
  name: string;
  host: string;
  vcpus: number;
  memory: number;
  cpus: string | string[] | undefined;
  cpus_soft: string | string[] | undefined;
  cpu_weight: number;
  cap: number;
  vif: string[];
  disk: string[];
  pci: string[];
  usbdev: string[];
  netfront?: NetfrontSpec | NetfrontSpec[];
  on_crash: (typeof ON_CRASH)[number];
  workload: WorkloadSpec | WorkloadSpec[];
  processor: number | number[] | undefined;
  /** Where it came from: the scenario file, or the xl.cfg file it was imported from. */
  source: string;
}

/** The loaded scenario: validated, defaults applied, `count` expanded, xl.cfg imported. */
export interface ScenarioSpec {
  name: string;
  description: string | undefined;
  seed: number;
  duration: number;
  warmup: number;
  stations: StationSpec[];
  hosts: HostSpec[];
  domains: DomainSpec[];
  pcie: PcieSectionSpec | null;
  /** The fluid data centre, or null (optional so that specs built in code need not name it). */
  datacenter?: DatacenterSpec | null;
  outputs: z.output<typeof Outputs>;
  /** The file it was loaded from, or null for an embedded scenario. */
  file: string | null;
}
