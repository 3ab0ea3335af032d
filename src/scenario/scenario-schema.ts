/**
 * The scenario file format (DESIGN.md, "Scenario files"). One zod schema is the single
 * source: it validates files, types the loaded scenario, and is exported as JSON Schema
 * (`xenlab schema`, `schemas/scenario.schema.json`) for editors.
 *
 * What runs today: `stations` (open queueing stations on the kernel) and `datacenter` (the
 * fluid data-centre tier with dynamic consolidation, datacenter-schema.ts). `hosts` and
 * `domains` are the format of the Xen host model; `xenlab run` says plainly when a
 * scenario needs a model that is not built yet.
 */
import * as z from "zod";
import { parseCpuList } from "./cpulist.js";
import { Datacenter, type DatacenterSpec } from "./datacenter-schema.js";
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

const CpuList = z.string({ error: 'expected a CPU list like "0-3,^1"' }).superRefine((s, ctx) => {
  const parsed = parseCpuList(s);
  if (typeof parsed === "string")
    ctx.addIssue({ code: "custom", message: `expected a CPU list like "0-3,^1": ${parsed}` });
});

export const XEN_VERSIONS = ["3.4", "4.0", "4.1", "4.2", "4.14", "4.17"] as const;
export const SCHEDULERS = ["credit", "credit2", "rtds"] as const;

export const Host = z.strictObject({
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
  /** TSC rate; also what trace timestamps count in. */
  clock: Frequency.default(2.4e9),
  xen: z
    .strictObject({
      version: z.enum(XEN_VERSIONS).default("4.2"),
      scheduler: z.enum(SCHEDULERS).default("credit"),
    })
    .default({ version: "4.2", scheduler: "credit" }),
});

export const Workload = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("idle") }),
    z.strictObject({ type: z.literal("hog") }),
    z.strictObject({
      type: z.literal("periodic"),
      period: Duration,
      run: Duration,
      offset: Duration.default(0),
      jitter: Duration.default(0),
    }),
    z.strictObject({
      type: z.literal("phases"),
      phases: z.array(z.strictObject({ run: TimeDistribution, block: TimeDistribution })).min(1),
    }),
    z.strictObject({
      type: z.literal("requests"),
      arrivals: Arrivals,
      service: TimeDistribution,
    }),
    z.strictObject({ type: z.literal("rogue"), run: Duration }),
  ],
  { error: "expected a workload: idle, hog, periodic, phases, requests or rogue" },
);

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
  on_crash: z.enum(ON_CRASH).optional(),
  workload: Workload.optional(),
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
  on_crash: (typeof ON_CRASH)[number];
  workload: WorkloadSpec;
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
  /** The fluid data centre, or null (optional so that specs built in code need not name it). */
  datacenter?: DatacenterSpec | null;
  outputs: z.output<typeof Outputs>;
  /** The file it was loaded from, or null for an embedded scenario. */
  file: string | null;
}
