/**
 * The server-consolidation planner (seed-talks T16; Song, Zhang, Sun and Shi, "Utility
 * analysis for Internet-oriented server consolidation in VM-based data centers", IEEE
 * Cluster 2009): "I run these services on dedicated servers today; if I consolidate them
 * onto Xen hosts, how many hosts keep every service's loss no worse than today, and what
 * do I save in servers, power and utilisation?"
 *
 * Steps, per hour of the daily profile:
 * 1. dedicated baseline per service (dedicated.ts): M/M/C/K loss, utilisation, power;
 * 2. targets: "dedicated" = the service's worst-hour dedicated loss (what it gets today),
 *    "dedicated-hourly" = its dedicated loss hour by hour, "target" = its loss_target; all
 *    floored at lossFloor;
 * 3. consolidated pool (consolidation.ts): Kaufman-Roberts over n x U units, service times
 *    inflated by 1 / (1 - overhead), trunk reservation for normal classes when a critical
 *    class exists; n*(h) and the static bound n* = max_h n*(h);
 * 4. savings: servers 1 - n* / sum m_i; CPU utilisation (busy capacity / capacity, averaged
 *    over the day) consolidated / dedicated; daily energy with the native profile for
 *    dedicated servers and the Xen profile for hosts, with n* hosts on all day (static) and
 *    with n*(h) on in hour h (dynamic, if idle hosts were powered off).
 * Sensitivity (optional): the bound and savings when every overhead is replaced by a given
 * value, and when peaks are aligned (profiles.ts), with today's targets held fixed.
 */
import { type BoundResult, consolidationBound } from "./consolidation.js";
import { type DedicatedResult, planDedicated } from "./dedicated.js";
import { KaufmanRoberts } from "./kaufman-roberts.js";
import { PlanError, type PlanInput, type ServiceInput } from "./plan-types.js";
import { buildPowerModel, type PowerModel } from "./power-model.js";
import { alignPeaks, meanPairwiseCorrelation } from "./profiles.js";

export interface ServicePlan {
  name: string;
  dedicated: DedicatedResult;
  /** log loss target per hour. */
  logTarget: Float64Array;
  /** Erlangs offered to the consolidated pool per hour (overhead included). */
  consolidatedOffered: Float64Array;
  /** log loss per hour on n* hosts. */
  logLossConsolidated: Float64Array;
  /** Trunk reservation (units) this class is subject to. */
  reserve: number;
}

export interface Savings {
  bound: number;
  boundHour: number;
  dedicatedServers: number;
  serversSaved: number;
  utilisationDedicated: number;
  utilisationConsolidated: number;
  utilisationRatio: number;
  energyDedicatedKWh: number;
  energyConsolidatedKWh: number;
  energyDynamicKWh: number;
  powerSaved: number;
  powerSavedDynamic: number;
}

export interface HourlyCurves {
  bound: Int32Array;
  utilisationDedicated: Float64Array;
  utilisationConsolidated: Float64Array;
  utilisationDynamic: Float64Array;
  powerDedicatedW: Float64Array;
  powerConsolidatedW: Float64Array;
  powerDynamicW: Float64Array;
}

export interface SensitivityRow {
  value: number;
  /** Mean pairwise correlation of the profiles (alignment rows). */
  correlation: number | null;
  savings: Savings;
}

export interface PlanResult {
  input: PlanInput;
  maxHosts: number;
  services: ServicePlan[];
  savings: Savings;
  hourly: HourlyCurves;
  powerLabels: { dedicated: string; consolidated: string };
  sensitivity: { overhead: SensitivityRow[]; alignment: SensitivityRow[] };
}

interface Evaluation {
  bound: BoundResult;
  savings: Savings;
  hourly: HourlyCurves;
  offered: Float64Array[];
  reserve: number[];
}

export function planConsolidation(input: PlanInput, opts: { sensitivity?: boolean } = {}): PlanResult {
  checkShape(input);
  const dedicated = input.services.map((s, i) => planDedicated(s, i));
  const dedicatedServers = dedicated.reduce((n, d) => n + d.servers, 0);
  const maxHosts = input.maxHosts ?? 4 * dedicatedServers + 16;
  const logTargets = targets(input, dedicated);
  const power = {
    dedicated: buildPowerModel(input.power.dedicated),
    consolidated: buildPowerModel(input.power.consolidated),
  };
  const base = evaluate(input, input.services, dedicated, logTargets, maxHosts, power);
  const services: ServicePlan[] = input.services.map((s, k) => ({
    name: s.name,
    dedicated: dedicated[k],
    logTarget: logTargets[k],
    consolidatedOffered: base.offered[k],
    logLossConsolidated: base.bound.logLossAtBound[k],
    reserve: base.reserve[k],
  }));
  const sensitivity = { overhead: [] as SensitivityRow[], alignment: [] as SensitivityRow[] };
  if (opts.sensitivity !== false) {
    input.sensitivity.overhead.forEach((o, i) => {
      const changed = input.services.map((s) => ({ ...s, overhead: o }));
      const e = inSweep(["sensitivity", "overhead", i], `overhead = ${o}`, () =>
        evaluate(input, changed, dedicated, logTargets, maxHosts, power),
      );
      sensitivity.overhead.push({ value: o, correlation: null, savings: e.savings });
    });
    const work = input.services.map((s) => s.serviceTime * s.units);
    input.sensitivity.peakAlignment.forEach((alpha, i) => {
      const rates = alignPeaks(
        input.services.map((s) => s.rates),
        work,
        alpha,
      );
      const changed = input.services.map((s, k) => ({
        ...s,
        rates: rates[k],
        servers: dedicated[k].servers,
      }));
      const e = inSweep(["sensitivity", "peak_alignment", i], `peak alignment = ${alpha}`, () => {
        const ded = changed.map((s, j) => planDedicated(s, j));
        return evaluate(input, changed, ded, logTargets, maxHosts, power);
      });
      sensitivity.alignment.push({
        value: alpha,
        correlation: meanPairwiseCorrelation(rates),
        savings: e.savings,
      });
    });
  }
  return {
    input,
    maxHosts,
    services,
    savings: base.savings,
    hourly: base.hourly,
    powerLabels: { dedicated: power.dedicated.label, consolidated: power.consolidated.label },
    sensitivity,
  };
}

/** Runs one sensitivity case; a failure names the case and points at its value. */
function inSweep<T>(path: (string | number)[], what: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof PlanError) throw new PlanError(`sensitivity case ${what}: ${e.message}`, path);
    throw e;
  }
}

function checkShape(input: PlanInput): void {
  if (input.services.length === 0) throw new PlanError("a plan needs at least one service", ["services"]);
  input.services.forEach((s, i) => {
    if (s.rates.length !== input.hours)
      throw new PlanError(`expected ${input.hours} hourly rates, got ${s.rates.length}`, ["services", i]);
    if (s.units > input.hostUnits)
      throw new PlanError(`a request of ${s.units} units cannot fit a host of ${input.hostUnits} units`, [
        "services",
        i,
        "units",
      ]);
  });
}

function targets(input: PlanInput, dedicated: readonly DedicatedResult[]): Float64Array[] {
  const floor = Math.log(input.lossFloor);
  return input.services.map((s, k) => {
    const t = new Float64Array(input.hours);
    const d = dedicated[k].logLoss;
    const worst = d.reduce((m, v) => Math.max(m, v), Number.NEGATIVE_INFINITY);
    for (let h = 0; h < input.hours; h++) {
      const raw =
        input.qos === "dedicated"
          ? worst
          : input.qos === "dedicated-hourly"
            ? d[h]
            : Math.log(s.lossTarget ?? 1);
      t[h] = Math.max(raw, floor);
    }
    return t;
  });
}

function evaluate(
  input: PlanInput,
  services: readonly ServiceInput[],
  dedicated: readonly DedicatedResult[],
  logTargets: readonly Float64Array[],
  maxHosts: number,
  power: { dedicated: PowerModel; consolidated: PowerModel },
): Evaluation {
  const hasCritical = services.some((s) => s.priority === "critical");
  const reserve = services.map((s) => (hasCritical && s.priority === "normal" ? input.reservation : 0));
  const offered = services.map((s) =>
    Float64Array.from(s.rates, (r) => (r * s.serviceTime) / (1 - s.overhead)),
  );
  const bound = consolidationBound({
    offered,
    units: services.map((s) => s.units),
    reserve,
    hostUnits: input.hostUnits,
    maxHosts,
    logTargets,
    names: services.map((s) => s.name),
  });
  const hourly = curves(input, dedicated, bound, power);
  return { bound, offered, reserve, hourly, savings: savingsOf(input, dedicated, bound, hourly) };
}

function curves(
  input: PlanInput,
  dedicated: readonly DedicatedResult[],
  bound: BoundResult,
  power: { dedicated: PowerModel; consolidated: PowerModel },
): HourlyCurves {
  const hours = input.hours;
  const u = input.hostUnits;
  const slots = dedicated.reduce((n, d) => n + d.slots, 0);
  const c: HourlyCurves = {
    bound: bound.byHour,
    utilisationDedicated: new Float64Array(hours),
    utilisationConsolidated: new Float64Array(hours),
    utilisationDynamic: new Float64Array(hours),
    powerDedicatedW: new Float64Array(hours),
    powerConsolidatedW: new Float64Array(hours),
    powerDynamicW: new Float64Array(hours),
  };
  for (let h = 0; h < hours; h++) {
    let busy = 0;
    let watts = 0;
    for (const d of dedicated) {
      busy += d.utilisation[h] * d.slots;
      watts += d.servers * power.dedicated.watts(d.utilisation[h]);
    }
    c.utilisationDedicated[h] = busy / slots;
    c.powerDedicatedW[h] = watts;
    const us = bound.busyAtBound[h] / (bound.bound * u);
    c.utilisationConsolidated[h] = us;
    c.powerConsolidatedW[h] = bound.bound * power.consolidated.watts(us);
    const n = bound.byHour[h];
    const ud = bound.busyDynamic[h] / (n * u);
    c.utilisationDynamic[h] = ud;
    c.powerDynamicW[h] = n * power.consolidated.watts(ud);
  }
  return c;
}

function savingsOf(
  input: PlanInput,
  dedicated: readonly DedicatedResult[],
  bound: BoundResult,
  c: HourlyCurves,
): Savings {
  const dedicatedServers = dedicated.reduce((n, d) => n + d.servers, 0);
  const slots = dedicated.reduce((n, d) => n + d.slots, 0);
  const sum = (a: ArrayLike<number>): number => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i];
    return s;
  };
  let busyDed = 0;
  for (const d of dedicated) for (let h = 0; h < input.hours; h++) busyDed += d.utilisation[h] * d.slots;
  const utilisationDedicated = busyDed / (slots * input.hours);
  const utilisationConsolidated = sum(bound.busyAtBound) / (bound.bound * input.hostUnits * input.hours);
  // Each profile point is one hour: energy in kWh is the sum of watts / 1000.
  const energyDedicatedKWh = sum(c.powerDedicatedW) / 1000;
  const energyConsolidatedKWh = sum(c.powerConsolidatedW) / 1000;
  const energyDynamicKWh = sum(c.powerDynamicW) / 1000;
  return {
    bound: bound.bound,
    boundHour: bound.boundHour,
    dedicatedServers,
    serversSaved: 1 - bound.bound / dedicatedServers,
    utilisationDedicated,
    utilisationConsolidated,
    utilisationRatio: utilisationConsolidated / utilisationDedicated,
    energyDedicatedKWh,
    energyConsolidatedKWh,
    energyDynamicKWh,
    powerSaved: 1 - energyConsolidatedKWh / energyDedicatedKWh,
    powerSavedDynamic: 1 - energyDynamicKWh / energyDedicatedKWh,
  };
}

/** Per-class log loss of the consolidated pool in `hour` with `hosts` hosts (any n, not only n*). */
export function poolLogLosses(r: PlanResult, hour: number, hosts: number): Float64Array {
  const kr = new KaufmanRoberts(
    r.services.map((s, k) => ({
      a: s.consolidatedOffered[hour],
      b: r.input.services[k].units,
      reserve: s.reserve,
    })),
  );
  const out = new Float64Array(r.services.length);
  kr.logBlocking(hosts * r.input.hostUnits, out);
  return out;
}
