/**
 * `xenlab plan <plan.yaml>`: the server-consolidation planner (seed-talks T16). Loads a
 * plan file, computes the consolidation bound and the savings, optionally checks the
 * losses by simulation, prints the key tables and writes results.json and report.html.
 */
import { join } from "node:path";
import type { Command } from "commander";
import { type PlanResult, planConsolidation } from "../plan/plan.js";
import { DEFAULT_CHECK, PlanError } from "../plan/plan-types.js";
import { type CheckResult, runCheck } from "../plan/sim-check.js";
import { metricsCsv } from "../report/metrics-csv.js";
import { formatTable } from "../report/text-table.js";
import { stableJson, writeOutputs } from "../report/write-outputs.js";
import { type LoadedPlan, loadPlanFile, planJsonSchema } from "../scenario/plan-file.js";
import { UsageError } from "./exit-codes.js";
import { planHeadline, planResults } from "./plan-report.js";
import { xenlabVersion } from "./version.js";

interface PlanFlags {
  format: string;
  out?: string;
  check?: boolean;
  seed?: string;
  sensitivity: boolean;
  quiet?: boolean;
  schema?: boolean;
}

const FORMATS = ["table", "json", "csv"];

export function registerPlanCommand(program: Command): void {
  program
    .command("plan")
    .description("plan a server consolidation: hosts needed, servers, power and utilisation saved")
    .argument("[plan]", "plan file (.yaml or .json)")
    .option("--format <format>", "what to print: table, json or csv", "table")
    .option("--out <dir>", "output folder (default: out/<plan name>)")
    .option("--check", "also check the losses by simulation (default: when the plan has a check section)")
    .option("--no-check", "skip the check by simulation")
    .option("--seed <n>", "override the check's random seed (a whole number)")
    .option("--no-sensitivity", "skip the sensitivity sweeps")
    .option("--quiet", "print nothing (files are still written)")
    .option("--schema", "print the plan file format as JSON Schema and exit")
    .addHelpText(
      "after",
      `
A plan lists services on dedicated servers today (arrival rate or daily profile, service
time, servers, slots) and the Xen hosts to consolidate them onto. The planner finds n*, the
fewest hosts keeping every service's loss no worse than today (per hour and at the peak),
and the servers, power and CPU utilisation saved. With a check section (or --check) it
also simulates the same services and sets the measured loss, with 95% intervals, beside
the analytic one. Writes results.json and report.html (charts) into the output folder.

Examples:
  $ xenlab plan scenarios/consolidation/tpcw-specweb.yaml
  $ xenlab plan scenarios/consolidation/tpcw-specweb.yaml --no-check --format json
  $ xenlab plan my-services.yaml --check --seed 7 --out /tmp/plan
  $ xenlab plan --schema > schemas/plan.schema.json`,
    )
    .action((file: string | undefined, flags: PlanFlags) => planAction(file, flags));
}

function planAction(file: string | undefined, flags: PlanFlags): void {
  if (flags.schema) {
    process.stdout.write(stableJson(planJsonSchema()));
    return;
  }
  if (file === undefined)
    throw new UsageError("plan: expected a plan file (or --schema); see xenlab plan --help");
  if (!FORMATS.includes(flags.format))
    throw new UsageError(`--format: expected one of ${FORMATS.join(", ")}, got "${flags.format}"`);
  const seed = parseSeed(flags.seed);
  const started = new Date();
  const t0 = performance.now();
  const loaded = loadPlanFile(file);
  const result = plan(loaded, flags.sensitivity);
  const check = checkIfAsked(result, loaded, flags.check, seed, flags.quiet === true);
  const results = planResults(result, check, file);
  const wall = (performance.now() - t0) / 1000;
  const files = writeOutputs(
    flags.out ?? join("out", loaded.input.name),
    results,
    {
      xenlab_version: xenlabVersion(),
      node_version: process.version,
      started_at: started.toISOString(),
      wall_s: wall,
      events_per_s: check && wall > 0 ? Math.round(check.events / wall) : 0,
      command: process.argv.slice(2),
    },
    true,
  );
  if (flags.quiet) return;
  if (flags.format === "json") process.stdout.write(stableJson(results));
  else if (flags.format === "csv") process.stdout.write(metricsCsv(results));
  else {
    const parts = [planHeadline(result, check)];
    for (const t of results.tables) parts.push(`\n${t.title}\n${formatTable(t)}`);
    for (const n of results.notes) parts.push(`note: ${n}`);
    process.stdout.write(`${parts.join("\n")}\n\nresults: ${files.results}\nreport:  ${files.report}\n`);
  }
}

function plan(loaded: LoadedPlan, sensitivity: boolean): PlanResult {
  try {
    return planConsolidation(loaded.input, { sensitivity });
  } catch (e) {
    if (e instanceof PlanError) throw loaded.toInputError(e);
    throw e;
  }
}

function checkIfAsked(
  r: PlanResult,
  loaded: LoadedPlan,
  asked: boolean | undefined,
  seed: number | undefined,
  quiet: boolean,
): CheckResult | null {
  const fromFile = loaded.input.check;
  if (asked === false || (asked === undefined && fromFile === null)) return null;
  const check = fromFile ?? DEFAULT_CHECK;
  const show = process.stderr.isTTY === true && !quiet;
  const t0 = performance.now();
  let last = 0;
  let shown = false;
  const res = runCheck(r, seed === undefined ? check : { ...check, seed }, (i, n, f, events) => {
    const now = performance.now();
    if (!show || now - t0 < 1000 || now - last < 100) return;
    last = now;
    shown = true;
    const pct = Math.round((100 * (i + f)) / n);
    process.stderr.write(
      `\rchecking by simulation: system ${i + 1}/${n}, ${pct}% done, ${events} events\x1b[K`,
    );
  });
  if (shown) process.stderr.write("\r\x1b[K");
  return res;
}

function parseSeed(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const seed = Number(s);
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(seed))
    throw new UsageError(`--seed: expected a whole number >= 0, got "${s}"`);
  return seed;
}
