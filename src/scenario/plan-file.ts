/**
 * The consolidation plan file (`xenlab plan <plan.yaml>`): services running on dedicated
 * servers today, the Xen hosts to consolidate them onto, power profiles, and optionally a
 * sensitivity sweep and a check by simulation. One zod schema validates the file, types
 * it and is exported as JSON Schema (schemas/plan.schema.json); the loader adds the checks
 * that span fields (profile lengths against `hours`, CSV profiles, references) and turns
 * the file into the planner's PlanInput (src/plan/plan-types.ts). Every problem is
 * reported at once with file:line:column, field path, expected and found.
 */
import { dirname, resolve } from "node:path";
import * as z from "zod";
import {
  type CheckInput,
  type PlanError,
  type PlanInput,
  type PowerSpec,
  PRIORITIES,
  QOS_MODES,
  type ServiceInput,
} from "../plan/plan-types.js";
import {
  SPECPOWER_PRESET_NAMES,
  SPECPOWER_PRESETS,
  type SpecPowerPreset,
} from "../plan/specpower-presets.js";
import { InputError, type InputIssue, type PathSegment } from "./input-issues.js";
import type { JsonSchema } from "./json-schema.js";
import { byPosition, type Loaded, parseWithSchema, readInputFile } from "./load-yaml.js";
import { readRateCsv } from "./rate-csv.js";
import { Duration, Name, PositiveInt, Rate } from "./schema-parts.js";
import { RATE } from "./units.js";

export const PLAN_SCHEMA_ID = "https://xenlab.dev/schemas/plan.schema.json";

/** Watts with the unit written out: "168W", "0.25kW". */
const POWER_PATTERN = /^\s*(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?\s*(W|kW)\s*$/;
const Watts = z
  .string({ error: 'expected a power like "168W"' })
  .regex(POWER_PATTERN, { error: 'expected a power like "168W"' })
  .transform((s) => {
    const m = POWER_PATTERN.exec(s)!;
    return Number(m[1]) * 10 ** Number(m[2] ?? 0) * (m[3] === "kW" ? 1000 : 1);
  })
  .meta({ description: 'a power, e.g. "168W"' });

const Probability = z
  .number({ error: "expected a probability in (0, 1]" })
  .gt(0, { error: "expected a probability in (0, 1]" })
  .lte(1, { error: "expected a probability in (0, 1]" });

const Fraction = z
  .number({ error: "expected a fraction in [0, 1)" })
  .gte(0, { error: "expected a fraction in [0, 1)" })
  .lt(1, { error: "expected a fraction in [0, 1)" });

const IdleScale = z
  .number({ error: "expected an idle scale in (0, 1.5]" })
  .gt(0, { error: "expected an idle scale in (0, 1.5]" })
  .lte(1.5, { error: "expected an idle scale in (0, 1.5]" });

const PowerProfile = z
  .strictObject({
    /** Linear model: watts when idle and at 100% CPU. */
    idle: Watts.optional(),
    peak: Watts.optional(),
    /** SPECpower-style table: watts at 0%, 10%, ..., 100% load (11 values). */
    table: z.array(Watts).length(11, { error: "expected 11 values (0%, 10%, ..., 100%)" }).optional(),
    /** A named SPECpower table. */
    preset: z.enum(SPECPOWER_PRESET_NAMES as [SpecPowerPreset, ...SpecPowerPreset[]]).optional(),
    /** Moves the whole curve down by (1 - idle_scale) x idle watts (a Xen host from a native one). */
    idle_scale: IdleScale.optional(),
  })
  .meta({ description: "a power profile: {idle, peak}, {table}, or {preset}, optionally with idle_scale" });

const RATE_UNITS = ["/s", "/min", "/h", "/ms"] as const;

const Profile = z.strictObject({
  /** Scale of `shape`: the rate in hour h is rate x shape[h]. */
  rate: Rate.optional(),
  /** One multiplier per hour (>= 0). */
  shape: z
    .array(z.number({ error: "expected a number >= 0" }).gte(0, { error: "expected a number >= 0" }))
    .optional(),
  /** One rate per hour, e.g. ["120/s", "95/s", ...]. */
  rates: z.array(Rate).optional(),
  /** A CSV file (path relative to the plan) with a header row and one row per hour. */
  csv: z.string({ error: "expected a file name" }).optional(),
  /** The CSV column holding the rate (default "rate"). */
  column: z.string().optional(),
  /** Unit of the CSV numbers (default "/s"). */
  unit: z.enum(RATE_UNITS).optional(),
});

const Service = z.strictObject({
  name: Name,
  /** A constant arrival rate (instead of a profile). */
  rate: Rate.optional(),
  /** A daily arrival profile (instead of a constant rate). */
  profile: Profile.optional(),
  /** Mean service time of one request on a native server (exponential)... */
  service_time: Duration.optional(),
  /** ...or its service rate per slot (1 / service_time). */
  service_rate: Rate.optional(),
  dedicated: z.strictObject({
    /** Servers today, or "auto" to size them for loss_target in the peak hour. */
    servers: z.union([PositiveInt, z.literal("auto")], {
      error: 'expected a whole number of servers or "auto"',
    }),
    /** Concurrent requests one server serves (worker slots). */
    slots: PositiveInt.default(1),
    /** Waiting places per server beyond its slots. */
    queue: z
      .int({ error: "expected a whole number >= 0" })
      .min(0, { error: "expected a whole number >= 0" })
      .default(0),
  }),
  /** Loss probability this service must meet (qos: target; and servers: auto). */
  loss_target: Probability.optional(),
  /** Capacity units a request holds on a consolidated host. */
  units: PositiveInt.default(1),
  /** Virtualisation overhead: service time on Xen = service_time / (1 - overhead). */
  overhead: Fraction.default(0),
  priority: z.enum(PRIORITIES).default("normal"),
});

export const PlanFile = z.strictObject({
  name: Name,
  description: z.string().optional(),
  /** Points per day of every profile (one per hour). */
  hours: PositiveInt.max(24 * 366, { error: "expected at most 8784 hours" }).default(24),
  /** dedicated: no worse than the service's worst dedicated hour; dedicated-hourly: hour by hour; target: loss_target. */
  qos: z.enum(QOS_MODES).default("dedicated"),
  /** Losses below this count as this (no SLA is written below it). */
  loss_floor: Probability.default(1e-12),
  host: z.strictObject({
    /** Capacity units per consolidated host (e.g. worker slots its CPUs sustain). */
    units: PositiveInt,
    /** Largest number of hosts to try (default 4 x dedicated servers + 16). */
    max_hosts: PositiveInt.max(10_000_000).optional(),
  }),
  /** Trunk reservation (units) against normal-priority services, when a critical one exists. */
  reservation: z
    .int({ error: "expected a whole number >= 0" })
    .min(0, { error: "expected a whole number >= 0" })
    .default(0),
  power: z.strictObject({
    /** Native Linux servers (the dedicated baseline). */
    dedicated: PowerProfile,
    /** Xen hosts (the consolidated pool). */
    consolidated: PowerProfile,
  }),
  services: z.array(Service).min(1, { error: "expected at least one service" }),
  sensitivity: z
    .strictObject({
      /** Overheads to try, each replacing every service's overhead. */
      overhead: z.array(Fraction).default([]),
      /** Peak alignments to try: 0 = as given, 1 = every peak in the same hour. */
      peak_alignment: z
        .array(
          z
            .number()
            .gte(0, { error: "expected a number in [0, 1]" })
            .lte(1, { error: "expected a number in [0, 1]" }),
        )
        .default([]),
    })
    .default({ overhead: [], peak_alignment: [] }),
  /** Check the analytic losses by discrete-event simulation. */
  check: z
    .strictObject({
      seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).default(1),
      /** Simulated time per system, or "auto" (long enough for min_losses losses per row). */
      duration: z
        .union([z.literal("auto"), Duration], { error: 'expected "auto" or a duration like "2000s"' })
        .default("auto"),
      batches: z.int().min(10, { error: "expected at least 10 batches" }).max(1000).default(30),
      min_losses: PositiveInt.default(400),
      max_arrivals: PositiveInt.default(5_000_000),
      /** Also simulate n* - 1, ..., n* - hosts_below hosts. */
      hosts_below: z.int().min(0).max(100).default(1),
    })
    .optional(),
});

export type PlanFileParsed = z.output<typeof PlanFile>;

export function planJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(PlanFile, { io: "input" }) as JsonSchema;
  return {
    $schema: schema.$schema,
    $id: PLAN_SCHEMA_ID,
    title: "xenlab consolidation plan",
    description:
      "Services on dedicated servers today and the Xen hosts to consolidate them onto (xenlab plan). Units are written out.",
    ...schema,
  };
}

/** A loaded plan and a way to point at its fields in messages. */
export interface LoadedPlan {
  input: PlanInput;
  file: string;
  /** An InputError for a planner failure, located at the field it blames. */
  toInputError(e: PlanError): InputError;
}

export function loadPlanFile(file: string): LoadedPlan {
  return loadPlanText(readInputFile(file, "plan"), file, file);
}

/** Loads plan text; `file` names it in messages, `path` (if any) anchors CSV profiles. */
export function loadPlanText(text: string, file: string, path: string | null = null): LoadedPlan {
  const loaded = parseWithSchema(file, text, PlanFile, planJsonSchema, "plan");
  const p = loaded.value;
  const found: InputIssue[] = [];
  const at = (where: readonly PathSegment[], message: string, code: InputIssue["code"] = "value"): void => {
    found.push(loaded.issue(where, message, code));
  };
  const names = new Map<string, number>();
  p.services.forEach((s, i) => {
    if (names.has(s.name))
      at(["services", i, "name"], `duplicate name "${s.name}" (also services[${names.get(s.name)}])`);
    names.set(s.name, i);
  });
  const services = p.services.map((s, i) => toService(s, i, p, path, at, found));
  checkCrossFields(p, at);
  const power = {
    dedicated: toPower(p.power.dedicated, ["power", "dedicated"], at),
    consolidated: toPower(p.power.consolidated, ["power", "consolidated"], at),
  };
  if (found.length > 0) throw new InputError(byPosition(found));
  const input: PlanInput = {
    name: p.name,
    description: p.description ?? null,
    hours: p.hours,
    qos: p.qos,
    lossFloor: p.loss_floor,
    hostUnits: p.host.units,
    maxHosts: p.host.max_hosts ?? null,
    reservation: p.reservation,
    power: { dedicated: power.dedicated!, consolidated: power.consolidated! },
    services: services as ServiceInput[],
    sensitivity: { overhead: p.sensitivity.overhead, peakAlignment: p.sensitivity.peak_alignment },
    check: p.check ? toCheck(p.check) : null,
  };
  return { input, file, toInputError: (e) => planIssue(loaded, e) };
}

type At = (where: readonly PathSegment[], message: string, code?: InputIssue["code"]) => void;
type ServiceParsed = PlanFileParsed["services"][number];

function toService(
  s: ServiceParsed,
  i: number,
  p: PlanFileParsed,
  planPath: string | null,
  at: At,
  found: InputIssue[],
): ServiceInput | null {
  const here = ["services", i];
  const rates = ratesOf(s, i, p.hours, planPath, at, found);
  if (s.dedicated.servers === "auto" && s.loss_target === undefined)
    at(
      [...here, "dedicated", "servers"],
      'servers: "auto" sizes the cluster for loss_target: add a loss_target',
    );
  if (p.qos === "target" && s.loss_target === undefined)
    at(here, "qos: target needs a loss_target on every service", "missing");
  if (s.units > p.host.units)
    at(
      [...here, "units"],
      `a request of ${s.units} units cannot fit a host of ${p.host.units} units (host.units)`,
    );
  const serviceTime = serviceTimeOf(s, here, at);
  if (rates === null || serviceTime === null) return null;
  return {
    name: s.name,
    rates,
    serviceTime,
    servers: s.dedicated.servers === "auto" ? null : s.dedicated.servers,
    slots: s.dedicated.slots,
    queue: s.dedicated.queue,
    lossTarget: s.loss_target ?? null,
    units: s.units,
    overhead: s.overhead,
    priority: s.priority,
  };
}

/** Mean service time in seconds, from service_time or service_rate. */
function serviceTimeOf(s: ServiceParsed, here: PathSegment[], at: At): number | null {
  if ((s.service_time === undefined) === (s.service_rate === undefined)) {
    at(
      here,
      "expected exactly one of service_time (mean) or service_rate (per slot)",
      s.service_time === undefined ? "missing" : "value",
    );
    return null;
  }
  if (s.service_time !== undefined) {
    if (s.service_time > 0) return s.service_time / 1e9;
    at([...here, "service_time"], "expected a service time > 0");
    return null;
  }
  if (s.service_rate! > 0) return 1 / s.service_rate!;
  at([...here, "service_rate"], "expected a service rate > 0");
  return null;
}

/** The hourly rates of a service, from `rate`, `profile.shape`, `profile.rates` or `profile.csv`. */
function ratesOf(
  s: ServiceParsed,
  i: number,
  hours: number,
  planPath: string | null,
  at: At,
  found: InputIssue[],
): number[] | null {
  const here = ["services", i];
  if ((s.rate === undefined) === (s.profile === undefined)) {
    at(
      here,
      "expected exactly one of rate (constant) or profile (hourly)",
      s.rate === undefined ? "missing" : "value",
    );
    return null;
  }
  if (s.rate !== undefined) return Array(hours).fill(s.rate);
  const pr = s.profile!;
  const where = [...here, "profile"];
  const forms = [pr.shape, pr.rates, pr.csv].filter((f) => f !== undefined).length;
  if (forms !== 1) {
    at(where, "expected exactly one of shape (with rate), rates, or csv", forms === 0 ? "missing" : "value");
    return null;
  }
  const lengthOk = (n: number, field: string): boolean => {
    if (n === hours) return true;
    at([...where, field], `expected ${hours} hourly values (hours: ${hours}), got ${n}`);
    return false;
  };
  if (pr.shape !== undefined) {
    if (pr.rate === undefined) {
      at(where, "shape needs a rate to scale it (rate x shape[h])", "missing");
      return null;
    }
    if (pr.csv === undefined && (pr.column !== undefined || pr.unit !== undefined))
      at(where, "column and unit apply to csv profiles only");
    return lengthOk(pr.shape.length, "shape") ? pr.shape.map((v) => v * pr.rate!) : null;
  }
  if (pr.rate !== undefined) at([...where, "rate"], "rate scales shape only; remove it or use shape");
  if (pr.rates !== undefined) return lengthOk(pr.rates.length, "rates") ? [...pr.rates] : null;
  if (planPath === null) {
    at([...where, "csv"], "CSV profiles need a plan file to resolve their path against");
    return null;
  }
  const csvPath = resolve(dirname(planPath), pr.csv!);
  const unit = pr.unit ?? "/s";
  const perSecond = RATE.parse(`1${unit}`)!;
  const csv = readRateCsv(csvPath, pr.csv!, pr.column ?? "rate");
  if ("error" in csv) {
    if (csv.issues.length > 0) found.push(...csv.issues);
    else at([...where, "csv"], csv.error, "file");
    return null;
  }
  return lengthOk(csv.values.length, "csv") ? csv.values.map((v) => v * perSecond) : null;
}

function checkCrossFields(p: PlanFileParsed, at: At): void {
  if (p.reservation > 0 && !p.services.some((s) => s.priority === "critical"))
    at(
      ["reservation"],
      "reservation protects critical services: mark at least one service priority: critical",
    );
}

function toPower(pp: PlanFileParsed["power"]["dedicated"], where: PathSegment[], at: At): PowerSpec | null {
  const linear = pp.idle !== undefined || pp.peak !== undefined;
  const forms = [linear, pp.table !== undefined, pp.preset !== undefined].filter(Boolean).length;
  if (forms !== 1) {
    at(where, "expected exactly one of {idle, peak}, table, or preset", forms === 0 ? "missing" : "value");
    return null;
  }
  const idleScale = pp.idle_scale ?? null;
  if (pp.table !== undefined) return { kind: "table", name: "table", watts: pp.table, idleScale };
  if (pp.preset !== undefined)
    return { kind: "table", name: pp.preset, watts: SPECPOWER_PRESETS[pp.preset], idleScale };
  if (pp.idle === undefined || pp.peak === undefined) {
    at(where, "a linear power profile needs both idle and peak", "missing");
    return null;
  }
  if (pp.peak < pp.idle) {
    at([...where, "peak"], `expected peak >= idle (${pp.idle} W), got ${pp.peak} W`);
    return null;
  }
  return { kind: "linear", idle: pp.idle, peak: pp.peak, idleScale };
}

function toCheck(c: NonNullable<PlanFileParsed["check"]>): CheckInput {
  return {
    seed: c.seed,
    durationNs: c.duration === "auto" ? null : c.duration,
    batches: c.batches,
    minLosses: c.min_losses,
    maxArrivals: c.max_arrivals,
    below: c.hosts_below,
  };
}

function planIssue(loaded: Loaded<PlanFileParsed>, e: PlanError): InputError {
  return new InputError([loaded.issue(e.path as PathSegment[], e.message)]);
}
