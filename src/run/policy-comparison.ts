/**
 * Runs a data-centre scenario under many consolidation policies and PlanetLab days and
 * gathers one table: every (policy, day) run, then per policy the median over days beside
 * the paper's published median (Beloglazov and Buyya 2012 report medians over their ten
 * days). `xenlab consolidation compare` is the command line around it.
 */

import { type PublishedRow, publishedRow } from "../cluster/consolidation/beloglazov-results.js";
import { runDatacenter } from "../cluster/consolidation/datacenter-build.js";
import type { ConsolidationPolicy } from "../cluster/consolidation/datacenter-sim.js";
import { policyLabel } from "../cluster/consolidation/policy-names.js";
import type { FluidMetrics } from "../cluster/fluid/fluid-datacenter.js";
import type { DatacenterSpec } from "../scenario/datacenter-schema.js";
import { readPlanetLabDay } from "../scenario/planetlab-traces.js";
import { configWithTraces } from "./datacenter-part.js";

export interface ComparisonRun {
  policy: string;
  day: string;
  metrics: FluidMetrics;
  vms: number;
  wallSeconds: number;
}

export interface ComparisonSummary {
  policy: string;
  days: number;
  median: MetricRow;
  paper: PublishedRow | undefined;
}

/** The compared quantities in the paper's units. */
export interface MetricRow {
  energyKwh: number;
  slatahPercent: number;
  pdmPercent: number;
  slavE5: number;
  esvE3: number;
  migrationsE3: number;
  hostShutdowns: number;
}

export function metricRow(m: FluidMetrics): MetricRow {
  return {
    energyKwh: m.energyKwh,
    slatahPercent: m.slatah * 100,
    pdmPercent: m.pdm * 100,
    slavE5: m.slav * 1e5,
    esvE3: m.esv * 1e3,
    migrationsE3: m.migrations / 1e3,
    hostShutdowns: m.hostShutdowns,
  };
}

export interface ComparisonOptions {
  /** The base data centre (its workload must be PlanetLab; day and policy are replaced). */
  base: DatacenterSpec;
  duration: number;
  seed: number;
  policies: readonly ConsolidationPolicy[];
  /** Days with the folder each one is read from. */
  days: readonly { day: string; dir: string }[];
  /** Called before each run (for progress); wall-clock timing is the caller's affair. */
  onRun?: (index: number, total: number, policy: string, day: string) => void;
  /** Wall clock for per-run timing (injected so this module never reads the clock itself). */
  now?: () => number;
}

export function comparePolicies(opts: ComparisonOptions): ComparisonRun[] {
  const { base, days, policies } = opts;
  if (base.workload.type !== "planetlab") throw new Error("the base scenario's workload must be planetlab");
  const maxVms = base.workload.maxVms;
  const runs: ComparisonRun[] = [];
  const total = days.length * policies.length;
  let index = 0;
  for (const { day, dir } of days) {
    const traces = readPlanetLabDay(dir, maxVms).traces;
    for (const policy of policies) {
      const label = policyLabel(policy);
      opts.onRun?.(index++, total, label, day);
      const t0 = opts.now?.() ?? 0;
      const spec: DatacenterSpec = { ...base, policy, workload: { type: "planetlab", day, dir, maxVms } };
      const r = runDatacenter(configWithTraces(spec, traces, opts.duration), opts.seed);
      runs.push({
        policy: label,
        day,
        metrics: r.metrics,
        vms: traces.vms,
        wallSeconds: ((opts.now?.() ?? 0) - t0) / 1000,
      });
    }
  }
  return runs;
}

export function summarise(runs: readonly ComparisonRun[]): ComparisonSummary[] {
  const byPolicy = new Map<string, ComparisonRun[]>();
  for (const r of runs) {
    const list = byPolicy.get(r.policy) ?? [];
    list.push(r);
    byPolicy.set(r.policy, list);
  }
  return [...byPolicy].map(([policy, rs]) => {
    const rows = rs.map((r) => metricRow(r.metrics));
    const med = (k: keyof MetricRow) => median(rows.map((x) => x[k]));
    return {
      policy,
      days: rs.length,
      median: {
        energyKwh: med("energyKwh"),
        slatahPercent: med("slatahPercent"),
        pdmPercent: med("pdmPercent"),
        slavE5: med("slavE5"),
        esvE3: med("esvE3"),
        migrationsE3: med("migrationsE3"),
        hostShutdowns: med("hostShutdowns"),
      },
      paper: publishedRow(policy),
    };
  });
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Relative difference of ours from the paper's, in percent (null where the paper has 0). */
export function percentDiff(ours: number, paper: number): number | null {
  if (paper === 0) return ours === 0 ? 0 : null;
  return ((ours - paper) / paper) * 100;
}

const fmt = (x: number, d: number): string => (Number.isFinite(x) ? x.toFixed(d) : "-");
const diff = (ours: number, paper: number | undefined): string => {
  if (paper === undefined) return "";
  const p = percentDiff(ours, paper);
  return p === null ? "" : ` (${p >= 0 ? "+" : ""}${p.toFixed(1)}%)`;
};

/** The summary as a Markdown table: ours (paper, difference) per metric. */
export function summaryMarkdown(summary: readonly ComparisonSummary[]): string {
  const head =
    "| policy | days | energy kWh | SLATAH % | PDM % | SLAV x1e-5 | ESV x1e-3 | migrations x1e3 | host shutdowns |\n" +
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  const rows = summary.map((s) => {
    const m = s.median;
    const p = s.paper;
    const cell = (ours: number, d: number, paper: number | undefined) =>
      p === undefined ? fmt(ours, d) : `${fmt(ours, d)} / ${fmt(paper ?? Number.NaN, d)}${diff(ours, paper)}`;
    return `| ${s.policy} | ${s.days} | ${cell(m.energyKwh, 2, p?.energyKwh)} | ${cell(m.slatahPercent, 2, p?.slatahPercent)} | ${cell(m.pdmPercent, 3, p?.pdmPercent)} | ${cell(m.slavE5, 2, p?.slavE5)} | ${cell(m.esvE3, 2, p?.esvE3)} | ${cell(m.migrationsE3, 2, p?.migrationsE3)} | ${fmt(m.hostShutdowns, 0)} |`;
  });
  return `${head}${rows.join("\n")}\n`;
}

/** Every run as CSV (one row per policy and day). */
export function runsCsv(runs: readonly ComparisonRun[]): string {
  const head = "policy,day,vms,energy_kwh,slatah,pdm,slav,esv,migrations,host_shutdowns,finished_vms\n";
  return (
    head +
    runs
      .map((r) => {
        const m = r.metrics;
        return [
          r.policy,
          r.day,
          r.vms,
          m.energyKwh,
          m.slatah,
          m.pdm,
          m.slav,
          m.esv,
          m.migrations,
          m.hostShutdowns,
          m.finishedVms,
        ]
          .map((x) => (typeof x === "number" ? Number(x.toPrecision(8)) : x))
          .join(",");
      })
      .join("\n") +
    "\n"
  );
}
