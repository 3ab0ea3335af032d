/**
 * The planner's check by simulation (seed-talks T16, "discrete-event cross-check"): the
 * same services, with Poisson arrivals and exponential service, run as discrete-event
 * models on the kernel and their measured loss set beside the analytic one, with 95%
 * confidence intervals. The talk calls its model "simple but accurate enough"; this
 * module shows how accurate, row by row.
 *
 * Systems simulated (each on its own kernel seeded from the check's seed):
 * - every service on its dedicated servers, in its own peak hour: an M/M/C/K Station
 *   (src/queueing/station.ts) against the Erlang / M/M/C/K loss;
 * - the consolidated pool in the hour that sets n*, with n* hosts and with n* - 1, ...,
 *   n* - below hosts (more loss, so sharper tests): a MultiClassLossPool (src/queueing/multiclass-loss.ts)
 *   of n x U units, service times inflated by 1 / (1 - overhead), trunk reservation as
 *   planned, against Kaufman-Roberts (exact for complete sharing; Roberts' approximation
 *   with reservation).
 * The consolidated hosts' CPU is the work-conserving shared pool the analytic model
 * assumes, not the discrete Xen credit scheduler (a later step can run the same services
 * on that model).
 *
 * Run length. Unless the plan fixes it, each system runs long enough that every row whose
 * loss is at least 1e-6 expects `minLosses` losses, capped at `maxArrivals` arrivals;
 * rows expecting fewer than a quarter of that are flagged "rare" (their interval is too
 * wide to judge). The warm-up is 20 mean service times (the pool relaxes at rate mu); the
 * rest is cut into equal time batches for the interval (loss-batches.ts).
 */
import { Exponential } from "../kernel/distributions.js";
import { Kernel } from "../kernel/kernel.js";
import { MultiClassLossPool } from "../queueing/multiclass-loss.js";
import { Station } from "../queueing/station.js";
import { LossBatches } from "./loss-batches.js";
import { type PlanResult, poolLogLosses } from "./plan.js";
import type { CheckInput } from "./plan-types.js";

const NS = 1e9;
/** Losses below this are not aimed for by the automatic run length. */
const MEASURABLE = 1e-6;
/** Warm-up, in mean service times of the slowest class. */
const WARMUP_SERVICE_TIMES = 20;
/** Shortest measured span, in mean service times (so batches are long against the correlation time). */
const MIN_SPAN_SERVICE_TIMES = 2000;
/** Progress chunks per system. */
const CHUNKS = 50;

export interface CheckRow {
  system: "dedicated" | "consolidated";
  /** Servers (dedicated) or hosts (consolidated). */
  size: number;
  /** "n*", "n*-1", ... for consolidated rows, "" for dedicated ones. */
  variant: string;
  service: string;
  hour: number;
  analytic: number;
  simulated: number;
  halfWidth: number;
  arrivals: number;
  lost: number;
  /** The analytic value lies within the simulated 95% interval. */
  agrees: boolean;
  /** Too few losses expected to judge the row. */
  rare: boolean;
}

export interface CheckSystem {
  label: string;
  hour: number;
  warmupS: number;
  spanS: number;
  events: number;
}

export interface CheckResult {
  seed: number;
  batches: number;
  rows: CheckRow[];
  systems: CheckSystem[];
  events: number;
  simulatedS: number;
}

interface ClassSpec {
  service: string;
  rate: number;
  meanService: number;
  units: number;
  reserve: number;
  analytic: number;
}

interface SystemSpec {
  label: string;
  kind: "dedicated" | "consolidated";
  variant: string;
  size: number;
  hour: number;
  /** Dedicated: C and K; consolidated: capacity units. */
  servers: number;
  capacity: number;
  classes: ClassSpec[];
}

export type CheckProgress = (system: number, systems: number, fraction: number, events: number) => void;

export function runCheck(r: PlanResult, check: CheckInput, progress?: CheckProgress): CheckResult {
  const systems = systemsToCheck(r, check.below);
  const result: CheckResult = {
    seed: check.seed,
    batches: check.batches,
    rows: [],
    systems: [],
    events: 0,
    simulatedS: 0,
  };
  systems.forEach((sys, i) => {
    const run = simulate(sys, check, (f, ev) => progress?.(i, systems.length, f, ev));
    result.rows.push(...run.rows);
    result.systems.push(run.info);
    result.events += run.info.events;
    result.simulatedS += run.info.warmupS + run.info.spanS;
  });
  return result;
}

function systemsToCheck(r: PlanResult, below: number): SystemSpec[] {
  const out: SystemSpec[] = [];
  r.services.forEach((s, k) => {
    const inp = r.input.services[k];
    const h = s.dedicated.peakHour;
    if (inp.rates[h] === 0) return;
    out.push({
      label: `dedicated ${s.name}: ${s.dedicated.servers} servers, hour ${h}`,
      kind: "dedicated",
      variant: "",
      size: s.dedicated.servers,
      hour: h,
      servers: s.dedicated.slots,
      capacity: s.dedicated.capacity,
      classes: [
        {
          service: s.name,
          rate: inp.rates[h],
          meanService: inp.serviceTime,
          units: 1,
          reserve: 0,
          analytic: Math.exp(s.dedicated.logLoss[h]),
        },
      ],
    });
  });
  const h = r.savings.boundHour;
  const n = r.savings.bound;
  for (let d = 0; d <= below; d++) {
    const hosts = n - d;
    const variant = d === 0 ? "n*" : `n*-${d}`;
    if (hosts < 1) break;
    const logLoss = poolLogLosses(r, h, hosts);
    out.push({
      label: `consolidated: ${hosts} hosts (${variant}), hour ${h}`,
      kind: "consolidated",
      variant,
      size: hosts,
      hour: h,
      servers: hosts * r.input.hostUnits,
      capacity: hosts * r.input.hostUnits,
      classes: r.services
        .map((s, k) => {
          const inp = r.input.services[k];
          return {
            service: s.name,
            rate: inp.rates[h],
            meanService: inp.serviceTime / (1 - inp.overhead),
            units: inp.units,
            reserve: s.reserve,
            analytic: Math.exp(logLoss[k]),
          };
        })
        .filter((c) => c.rate > 0),
    });
  }
  return out;
}

/** Measured span in seconds: the plan's, or long enough for the measurable rows. */
function spanFor(sys: SystemSpec, check: CheckInput): { warmup: number; span: number } {
  const slowest = Math.max(...sys.classes.map((c) => c.meanService));
  const warmup = WARMUP_SERVICE_TIMES * slowest;
  if (check.durationNs !== null) {
    const total = check.durationNs / NS;
    return { warmup: Math.min(warmup, total / 5), span: total - Math.min(warmup, total / 5) };
  }
  const totalRate = sys.classes.reduce((s, c) => s + c.rate, 0);
  let span = MIN_SPAN_SERVICE_TIMES * slowest;
  for (const c of sys.classes)
    if (c.analytic >= MEASURABLE) span = Math.max(span, check.minLosses / (c.rate * c.analytic));
  return { warmup, span: Math.min(span, check.maxArrivals / totalRate) };
}

function simulate(
  sys: SystemSpec,
  check: CheckInput,
  progress: (fraction: number, events: number) => void,
): { rows: CheckRow[]; info: CheckSystem } {
  const k = new Kernel(check.seed);
  const { warmup, span } = spanFor(sys, check);
  const warmupNs = Math.round(warmup * NS);
  const endNs = warmupNs + Math.round(span * NS);
  const batchNs = (endNs - warmupNs) / check.batches;
  const counters = build(k, sys);
  const batches = new LossBatches(sys.classes.length, check.batches);
  const lastA = new Float64Array(sys.classes.length);
  const lastL = new Float64Array(sys.classes.length);
  const dA = new Float64Array(sys.classes.length);
  const dL = new Float64Array(sys.classes.length);
  k.atTime(warmupNs, (kk) => counters.reset(kk.now));
  for (let b = 1; b <= check.batches; b++) {
    k.atTime(Math.round(warmupNs + b * batchNs), () => {
      for (let c = 0; c < sys.classes.length; c++) {
        dA[c] = counters.arrivals(c) - lastA[c];
        dL[c] = counters.lost(c) - lastL[c];
        lastA[c] += dA[c];
        lastL[c] += dL[c];
      }
      batches.record(dA, dL);
    });
  }
  for (let i = 1; i <= CHUNKS; i++) {
    k.run(Math.round((endNs * i) / CHUNKS));
    progress(i / CHUNKS, k.events);
  }
  const rows = sys.classes.map((c, i): CheckRow => {
    const e = batches.estimate(i);
    const expectedLosses = c.rate * c.analytic * span;
    return {
      system: sys.kind,
      size: sys.size,
      variant: sys.variant,
      service: c.service,
      hour: sys.hour,
      analytic: c.analytic,
      simulated: e.loss,
      halfWidth: e.halfWidth,
      arrivals: e.arrivals,
      lost: e.lost,
      agrees: e.lost === 0 ? c.analytic <= e.halfWidth : Math.abs(e.loss - c.analytic) <= e.halfWidth,
      rare: expectedLosses < check.minLosses / 4,
    };
  });
  return { rows, info: { label: sys.label, hour: sys.hour, warmupS: warmup, spanS: span, events: k.events } };
}

interface Counters {
  arrivals(c: number): number;
  lost(c: number): number;
  reset(now: number): void;
}

function build(k: Kernel, sys: SystemSpec): Counters {
  if (sys.kind === "dedicated") {
    const c = sys.classes[0];
    const st = new Station(k, {
      name: c.service,
      servers: sys.servers,
      capacity: sys.capacity,
      interarrival: new Exponential(k.rng(`check/dedicated/${c.service}/arrivals`), NS / c.rate),
      service: new Exponential(k.rng(`check/dedicated/${c.service}/service`), c.meanService * NS),
    });
    st.start();
    return { arrivals: () => st.arrivals, lost: () => st.lost, reset: (now) => st.resetStats(now) };
  }
  const pool = new MultiClassLossPool(k, {
    name: "consolidated",
    capacity: sys.capacity,
    classes: sys.classes.map((c) => ({
      name: c.service,
      interarrival: new Exponential(
        k.rng(`check/consolidated/${sys.variant}/${c.service}/arrivals`),
        NS / c.rate,
      ),
      service: new Exponential(
        k.rng(`check/consolidated/${sys.variant}/${c.service}/service`),
        c.meanService * NS,
      ),
      units: c.units,
      reserve: c.reserve,
    })),
  });
  pool.start();
  return {
    arrivals: (c) => pool.arrivals[c],
    lost: (c) => pool.lost[c],
    reset: (now) => pool.resetStats(now),
  };
}
