/**
 * Turns a consolidation plan (and its check by simulation, if run) into the project's
 * results record, so `xenlab plan` writes the same results.json / report.html / terminal
 * tables as `xenlab run`: every metric with its unit, tables for people, charts for the
 * report.
 */
import type { PlanResult, SensitivityRow } from "../plan/plan.js";
import type { CheckResult } from "../plan/sim-check.js";
import {
  type ChartRecord,
  type MetricRecord,
  num,
  RESULTS_SCHEMA_VERSION,
  type ResultsRecord,
  type TableRecord,
} from "../run/results.js";

type Cell = string | number | null;

const QOS_TEXT = {
  dedicated: "no worse than each service's worst dedicated hour",
  "dedicated-hourly": "no worse than dedicated, hour by hour",
  target: "each service's loss_target",
} as const;

export function planResults(r: PlanResult, check: CheckResult | null, file: string | null): ResultsRecord {
  const inp = r.input;
  const out: ResultsRecord = {
    schema: RESULTS_SCHEMA_VERSION,
    scenario: {
      name: inp.name,
      description: inp.description,
      file,
      seed: check?.seed ?? 0,
      duration_s: check ? sig(check.simulatedS, 6) : 0,
      warmup_s: 0,
    },
    run: { events: check?.events ?? 0, simulated_s: check ? sig(check.simulatedS, 6) : 0 },
    metrics: metrics(r, check),
    tables: [summaryTable(r), servicesTable(r), hourlyTable(r)],
    charts: charts(r, check),
    notes: notes(r, check),
  };
  if (r.sensitivity.overhead.length > 0)
    out.tables.push(
      sensitivityTable(
        "sensitivity-overhead",
        "Sensitivity: every service's overhead set to",
        "overhead",
        r.sensitivity.overhead,
        false,
      ),
    );
  if (r.sensitivity.alignment.length > 0)
    out.tables.push(
      sensitivityTable(
        "sensitivity-alignment",
        "Sensitivity: peaks aligned (0 = as given, 1 = all peaks in one hour)",
        "alignment",
        r.sensitivity.alignment,
        true,
      ),
    );
  if (check) out.tables.push(checkTable(check));
  // NaN and Infinity have no JSON form: tables and charts carry null instead.
  for (const t of out.tables) t.rows = t.rows.map((row) => row.map(finiteOrNull));
  for (const c of out.charts)
    for (const s of c.series) s.points = s.points.map((p) => p.map(finiteOrNull) as (number | null)[]);
  return out;
}

function finiteOrNull<T>(v: T): T | null {
  return typeof v === "number" && !Number.isFinite(v) ? null : v;
}

/** The one-line head of the terminal summary. */
export function planHeadline(r: PlanResult, check: CheckResult | null): string {
  const inp = r.input;
  const s = r.savings;
  const base = `${inp.name}: ${inp.services.length} services, ${inp.hours} hours, hosts of ${inp.hostUnits} units; loss target: ${QOS_TEXT[inp.qos]}`;
  const head = `${base}\n${s.dedicatedServers} dedicated servers -> ${s.bound} Xen hosts (${pct(s.serversSaved)} saved), power ${pct(s.powerSaved)} saved, CPU utilisation x${sig(s.utilisationRatio, 3)}`;
  return check
    ? `${head}\nchecked by simulation: ${check.events} events, ${sig(check.simulatedS, 4)} s simulated, seed ${check.seed}`
    : head;
}

/** Requests served per day, dedicated and on n* hosts (each profile point is one hour). */
function servedPerDay(r: PlanResult): { dedicated: number; consolidated: number } {
  let dedicated = 0;
  let consolidated = 0;
  r.services.forEach((s, k) => {
    const rates = r.input.services[k].rates;
    for (let h = 0; h < rates.length; h++) {
      dedicated += rates[h] * 3600 * -Math.expm1(s.dedicated.logLoss[h]);
      consolidated += rates[h] * 3600 * -Math.expm1(s.logLossConsolidated[h]);
    }
  });
  return { dedicated, consolidated };
}

/** Joules per request served: energy per day / requests per day. */
function joulesPerRequest(r: PlanResult): { dedicated: number; consolidated: number } {
  const served = servedPerDay(r);
  return {
    dedicated: (r.savings.energyDedicatedKWh * 3.6e6) / served.dedicated,
    consolidated: (r.savings.energyConsolidatedKWh * 3.6e6) / served.consolidated,
  };
}

function summaryTable(r: PlanResult): TableRecord {
  const s = r.savings;
  const jpr = joulesPerRequest(r);
  const rows: Cell[][] = [
    ["dedicated servers (native Linux)", s.dedicatedServers, ""],
    [`consolidated Xen hosts n* (set by hour ${s.boundHour})`, s.bound, ""],
    ["servers saved", sig(100 * s.serversSaved, 4), "%"],
    ["CPU utilisation, dedicated (day mean)", sig(100 * s.utilisationDedicated, 4), "%"],
    ["CPU utilisation, consolidated (day mean)", sig(100 * s.utilisationConsolidated, 4), "%"],
    ["CPU utilisation ratio", sig(s.utilisationRatio, 4), "x"],
    ["energy per day, dedicated", sig(s.energyDedicatedKWh, 5), "kWh"],
    ["energy per day, n* hosts on all day", sig(s.energyConsolidatedKWh, 5), "kWh"],
    ["energy per day, n*(h) hosts on in hour h", sig(s.energyDynamicKWh, 5), "kWh"],
    ["power saved (n* hosts on all day)", sig(100 * s.powerSaved, 4), "%"],
    ["power saved (idle hosts off)", sig(100 * s.powerSavedDynamic, 4), "%"],
    ["energy per request served, dedicated", sig(jpr.dedicated, 4), "J"],
    ["energy per request served, n* hosts", sig(jpr.consolidated, 4), "J"],
    ["power profile, dedicated", r.powerLabels.dedicated, ""],
    ["power profile, consolidated", r.powerLabels.consolidated, ""],
  ];
  return {
    id: "plan-summary",
    title: "Consolidation bound and savings",
    columns: [{ name: "quantity" }, { name: "value" }, { name: "unit" }],
    rows,
  };
}

function servicesTable(r: PlanResult): TableRecord {
  const rows = r.services.map((s, k): Cell[] => {
    const inp = r.input.services[k];
    const d = s.dedicated;
    return [
      s.name,
      d.servers,
      d.sized ? "auto" : "given",
      d.peakHour,
      sig(inp.rates[d.peakHour], 5),
      sig(d.offered[d.peakHour], 5),
      prob(Math.max(...d.logLoss)),
      prob(Math.max(...s.logTarget)),
      prob(Math.max(...s.logLossConsolidated)),
      inp.overhead,
      inp.units,
      s.reserve,
    ];
  });
  return {
    id: "plan-services",
    title: "Services: loss before (dedicated) and after (n* Xen hosts), worst hour",
    columns: [
      { name: "service" },
      { name: "servers" },
      { name: "sized" },
      { name: "peak hour" },
      { name: "peak rate", unit: "1/s" },
      { name: "peak load", unit: "Erlang" },
      { name: "dedicated loss" },
      { name: "target" },
      { name: "consolidated loss" },
      { name: "overhead" },
      { name: "units" },
      { name: "reserve" },
    ],
    rows,
  };
}

function hourlyTable(r: PlanResult): TableRecord {
  const c = r.hourly;
  const rows: Cell[][] = [];
  for (let h = 0; h < r.input.hours; h++) {
    const offered = r.services.reduce(
      (sum, s, k) => sum + s.consolidatedOffered[h] * r.input.services[k].units,
      0,
    );
    rows.push([
      h,
      sig(offered, 5),
      c.bound[h],
      sig(100 * c.utilisationDedicated[h], 4),
      sig(100 * c.utilisationConsolidated[h], 4),
      sig(c.powerDedicatedW[h], 5),
      sig(c.powerConsolidatedW[h], 5),
      sig(c.powerDynamicW[h], 5),
    ]);
  }
  return {
    id: "plan-hourly",
    title: "Hour by hour",
    columns: [
      { name: "hour" },
      { name: "offered", unit: "units" },
      { name: "n*(h)" },
      { name: "util dedicated", unit: "%" },
      { name: "util n*", unit: "%" },
      { name: "power dedicated", unit: "W" },
      { name: "power n*", unit: "W" },
      { name: "power n*(h)", unit: "W" },
    ],
    rows,
  };
}

function sensitivityTable(
  id: string,
  title: string,
  what: string,
  rows: SensitivityRow[],
  corr: boolean,
): TableRecord {
  return {
    id,
    title,
    columns: [
      { name: what },
      ...(corr ? [{ name: "profile correlation" }] : []),
      { name: "n*" },
      { name: "servers saved", unit: "%" },
      { name: "power saved", unit: "%" },
      { name: "utilisation ratio", unit: "x" },
    ],
    rows: rows.map((row) => [
      row.value,
      ...(corr ? [row.correlation === null ? null : sig(row.correlation, 3)] : []),
      row.savings.bound,
      sig(100 * row.savings.serversSaved, 4),
      sig(100 * row.savings.powerSaved, 4),
      sig(row.savings.utilisationRatio, 4),
    ]),
  };
}

function checkTable(c: CheckResult): TableRecord {
  return {
    id: "plan-check",
    title: `Check by simulation: analytic vs simulated loss (95% intervals, ${c.batches} batches, seed ${c.seed})`,
    columns: [
      { name: "system" },
      { name: "size" },
      { name: "hour" },
      { name: "service" },
      { name: "analytic" },
      { name: "simulated" },
      { name: "95% CI ±" },
      { name: "lost" },
      { name: "arrivals" },
      { name: "agrees" },
    ],
    rows: c.rows.map((row) => [
      row.system === "dedicated" ? "dedicated" : `Xen ${row.variant}`,
      row.size,
      row.hour,
      row.service,
      sig(row.analytic, 4),
      sig(row.simulated, 4),
      sig(row.halfWidth, 3),
      row.lost,
      row.arrivals,
      row.rare ? "rare" : row.agrees ? "yes" : "no",
    ]),
  };
}

function metrics(r: PlanResult, check: CheckResult | null): MetricRecord[] {
  const s = r.savings;
  const out: MetricRecord[] = [];
  const m = (
    entity: string,
    name: string,
    value: number,
    unit: string,
    extra: Partial<MetricRecord> = {},
  ): void => {
    out.push({ entity, name, value: num(value), unit, ...extra });
  };
  m("plan", "servers.dedicated", s.dedicatedServers, "1");
  m("plan", "hosts.bound", s.bound, "1", { description: `n*, set by hour ${s.boundHour}` });
  m("plan", "servers.saved", s.serversSaved, "1");
  m("plan", "utilisation.dedicated", s.utilisationDedicated, "1");
  m("plan", "utilisation.consolidated", s.utilisationConsolidated, "1");
  m("plan", "utilisation.ratio", s.utilisationRatio, "1");
  m("plan", "energy.dedicated", s.energyDedicatedKWh, "kWh");
  m("plan", "energy.consolidated", s.energyConsolidatedKWh, "kWh");
  m("plan", "energy.dynamic", s.energyDynamicKWh, "kWh");
  m("plan", "power.saved", s.powerSaved, "1");
  m("plan", "power.saved_dynamic", s.powerSavedDynamic, "1");
  const jpr = joulesPerRequest(r);
  m("plan", "energy_per_request.dedicated", jpr.dedicated, "J");
  m("plan", "energy_per_request.consolidated", jpr.consolidated, "J");
  r.services.forEach((sv) => {
    const e = `service/${sv.name}`;
    m(e, "servers.dedicated", sv.dedicated.servers, "1");
    m(e, "loss.dedicated.worst_hour", Math.exp(Math.max(...sv.dedicated.logLoss)), "1");
    m(e, "loss.target", Math.exp(Math.max(...sv.logTarget)), "1");
    m(e, "loss.consolidated.worst_hour", Math.exp(Math.max(...sv.logLossConsolidated)), "1");
  });
  for (const row of check?.rows ?? []) {
    const sys = row.system === "dedicated" ? "dedicated" : `consolidated/${row.variant}`;
    m(`check/${sys}/${row.service}`, "loss_probability", row.simulated, "1", {
      ci95: num(row.halfWidth),
      expected: num(row.analytic),
      description: `${row.system === "dedicated" ? `${row.size} servers` : `${row.size} hosts`}, hour ${row.hour}${row.rare ? ", rare" : ""}`,
    });
  }
  return out;
}

function charts(r: PlanResult, check: CheckResult | null): ChartRecord[] {
  const hours = Array.from({ length: r.input.hours }, (_, h) => h);
  const series = (name: string, f: (h: number) => number | null) => ({
    name,
    points: hours.map((h) => [h, f(h)]),
  });
  const hourAxis = { label: "hour of day", unit: "h" };
  const out: ChartRecord[] = [
    {
      id: "plan-arrivals",
      title: "Arrival profiles",
      kind: "line",
      x: hourAxis,
      y: { label: "arrival rate", unit: "1/s" },
      series: r.input.services.map((s) => series(s.name, (h) => sig(s.rates[h], 6))),
    },
    {
      id: "plan-hosts",
      title: "Servers and hosts needed per hour",
      kind: "step",
      x: hourAxis,
      y: { label: "machines", unit: "1" },
      series: [
        series("dedicated servers", () => r.savings.dedicatedServers),
        series("n*(h): hosts needed in hour h", (h) => r.hourly.bound[h]),
        series("n*: hosts owned", () => r.savings.bound),
      ],
    },
    {
      id: "plan-power",
      title: "Power per hour",
      kind: "line",
      x: hourAxis,
      y: { label: "power", unit: "W" },
      series: [
        series("dedicated (native)", (h) => sig(r.hourly.powerDedicatedW[h], 6)),
        series("n* Xen hosts on", (h) => sig(r.hourly.powerConsolidatedW[h], 6)),
        series("n*(h) Xen hosts on", (h) => sig(r.hourly.powerDynamicW[h], 6)),
      ],
    },
    {
      id: "plan-utilisation",
      title: "CPU utilisation per hour",
      kind: "line",
      x: hourAxis,
      y: { label: "utilisation", unit: "%" },
      series: [
        series("dedicated", (h) => sig(100 * r.hourly.utilisationDedicated[h], 5)),
        series("n* Xen hosts", (h) => sig(100 * r.hourly.utilisationConsolidated[h], 5)),
      ],
    },
    {
      id: "plan-loss",
      title: "Loss probability per hour, before (dedicated) and after (n* Xen hosts)",
      kind: "line",
      x: hourAxis,
      y: { label: "loss probability", unit: "1", log: true },
      series: r.services.flatMap((s) => [
        series(`${s.name} dedicated`, (h) => positive(Math.exp(s.dedicated.logLoss[h]))),
        series(`${s.name} consolidated`, (h) => positive(Math.exp(s.logLossConsolidated[h]))),
      ]),
      note: "Losses below 1e-300 are not drawn.",
    },
  ];
  const sens = (id: string, title: string, rows: SensitivityRow[], label: string): ChartRecord => ({
    id,
    title,
    kind: "line",
    x: { label, unit: "1" },
    y: { label: "saved", unit: "%" },
    series: [
      {
        name: "servers saved",
        points: rows.map((row) => [row.value, sig(100 * row.savings.serversSaved, 5)]),
      },
      { name: "power saved", points: rows.map((row) => [row.value, sig(100 * row.savings.powerSaved, 5)]) },
    ],
  });
  if (r.sensitivity.overhead.length > 0)
    out.push(
      sens(
        "plan-sens-overhead",
        "Savings against virtualisation overhead",
        r.sensitivity.overhead,
        "overhead",
      ),
    );
  if (r.sensitivity.alignment.length > 0)
    out.push(
      sens(
        "plan-sens-alignment",
        "Savings against peak alignment",
        r.sensitivity.alignment,
        "peak alignment",
      ),
    );
  if (check) {
    out.push({
      id: "plan-check",
      title: "Analytic vs simulated loss",
      kind: "scatter",
      x: { label: "analytic loss", unit: "1", log: true },
      y: { label: "simulated loss", unit: "1", log: true },
      series: [
        {
          name: "dedicated",
          points: check.rows
            .filter((x) => x.system === "dedicated" && x.lost > 0)
            .map((x) => [x.analytic, x.simulated]),
        },
        {
          name: "consolidated",
          points: check.rows
            .filter((x) => x.system === "consolidated" && x.lost > 0)
            .map((x) => [x.analytic, x.simulated]),
        },
      ],
      note: "Rows with no loss observed are left out (log axes).",
    });
  }
  return out;
}

function notes(r: PlanResult, check: CheckResult | null): string[] {
  const out = [
    "Model: dedicated = M/M/C/K per service (Erlang B when queue = 0); consolidated = Kaufman-Roberts multi-class loss pool over n x host.units units, service times / (1 - overhead). The hosts' CPU is the work-conserving shared pool of that model (capability flowing), not the discrete Xen credit scheduler.",
    `Loss target: ${QOS_TEXT[r.input.qos]}, floored at ${r.input.lossFloor}.`,
  ];
  if (r.services.some((s) => s.reserve > 0))
    out.push(
      "Trunk reservation uses Roberts' approximation: exact for 1-unit requests of equal service rates, otherwise approximate (it can underestimate the protected class's loss; see the check table).",
    );
  if (check?.rows.some((x) => x.rare))
    out.push("Rows marked rare expected too few losses in the run for their interval to judge the model.");
  return out;
}

function sig(x: number, digits: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)) : Number.NaN;
}

function prob(logP: number): number {
  return sig(Math.exp(logP), 4);
}

function positive(p: number): number | null {
  return p > 0 ? sig(p, 5) : null;
}

function pct(x: number): string {
  return `${sig(100 * x, 3)}%`;
}
