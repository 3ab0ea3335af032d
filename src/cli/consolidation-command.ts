/**
 * `xenlab consolidation compare`: runs the PlanetLab consolidation experiment for many
 * policies and days and writes one table - per policy the median over the days beside the
 * paper's published median, and every single run. Long runs show a one-line progress on a
 * terminal (stderr), as `xenlab run` does.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Command } from "commander";
import type { ConsolidationPolicy } from "../cluster/consolidation/datacenter-sim.js";
import type { LrFit } from "../cluster/consolidation/local-regression.js";
import {
  allPaperCombinations,
  PAPER_TABLE_POLICIES,
  parsePolicyName,
} from "../cluster/consolidation/policy-names.js";
import { stableJson, writeAtomic } from "../report/write-outputs.js";
import { comparePolicies, runsCsv, summarise, summaryMarkdown } from "../run/policy-comparison.js";
import { loadScenarioFile } from "../scenario/load-scenario.js";
import {
  findPlanetLabDay,
  PLANETLAB_DAYS,
  planetLabSearchPath,
  REPO_ROOT,
} from "../scenario/planetlab-traces.js";
import { UsageError } from "./exit-codes.js";

const DEFAULT_BASE = join(REPO_ROOT, "scenarios/consolidation/planetlab/lr-mmt-1.2.yaml");

interface CompareFlags {
  policies: string;
  days: string;
  out?: string;
  lrFit: string;
  seed: string;
  quiet?: boolean;
}

export function registerConsolidationCommand(program: Command): void {
  const cmd = program
    .command("consolidation")
    .description("dynamic VM consolidation experiments on the fluid data-centre tier");
  cmd
    .command("compare")
    .description("run many policies over PlanetLab days; print medians beside the paper's")
    .argument("[scenario]", "base scenario (its hosts, VM types and switches are kept)", DEFAULT_BASE)
    .option(
      "--policies <list>",
      'paper (its results table), all (every combination), or names like "lr-mmt-1.2,dvfs"',
      "paper",
    )
    .option(
      "--days <list>",
      "available (every day found), all (the ten; all must be present), or days like 20110303,20110306",
      "available",
    )
    .option("--out <file>", "also write the table: .md (summary + runs), .csv (runs) or .json (everything)")
    .option(
      "--lr-fit <fit>",
      "local regression fit: loess (the paper's) or cloudsim-ols (CloudSim 3.0's)",
      "loess",
    )
    .option("--seed <n>", "random seed (RS selection)", "1")
    .option("--quiet", "print nothing but errors")
    .addHelpText(
      "after",
      `
Each run is 800 hosts x one VM per trace x 24 h (well under a second each). Medians are
over the days run; the paper's figures are medians over its ten days, so compare with
--days all once the days are fetched (xenlab planetlab fetch).

Examples:
  $ xenlab consolidation compare
  $ xenlab consolidation compare --policies all --days 20110303
  $ xenlab consolidation compare --days all --out results/planetlab.md
  $ xenlab consolidation compare --policies lr-mmt-1.2,lrr-mmt-1.2 --lr-fit cloudsim-ols`,
    )
    .action((scenario: string, flags: CompareFlags) => compareAction(scenario, flags));
}

function parsePolicies(text: string, lrFit: LrFit): ConsolidationPolicy[] {
  const names =
    text === "paper" ? [...PAPER_TABLE_POLICIES] : text === "all" ? allPaperCombinations() : text.split(",");
  return names.map((n) => {
    const p = parsePolicyName(n, lrFit);
    if (p === null) {
      throw new UsageError(
        `--policies: "${n}" is not a policy; expected paper, all, or names like lr-mmt-1.2 (detector-selection-parameter), dvfs, npa`,
      );
    }
    return p;
  });
}

function parseDays(text: string): { day: string; dir: string }[] {
  const wanted =
    text === "available" || text === "all" ? [...PLANETLAB_DAYS] : text.split(",").map((d) => d.trim());
  const out: { day: string; dir: string }[] = [];
  const missing: string[] = [];
  for (const day of wanted) {
    const dir = findPlanetLabDay(day);
    if (dir === null) missing.push(day);
    else out.push({ day, dir });
  }
  if (text !== "available" && missing.length > 0) {
    throw new UsageError(
      `--days: no traces for ${missing.join(", ")} (looked in ${planetLabSearchPath(missing[0]).join(" and ")}); ` +
        "fetch them with: xenlab planetlab fetch --from <folder with the days>",
    );
  }
  if (out.length === 0) throw new UsageError("--days: no PlanetLab day found");
  return out;
}

function compareAction(scenario: string, flags: CompareFlags): void {
  if (flags.lrFit !== "loess" && flags.lrFit !== "cloudsim-ols") {
    throw new UsageError(`--lr-fit: expected loess or cloudsim-ols, got "${flags.lrFit}"`);
  }
  if (!/^\d+$/.test(flags.seed)) throw new UsageError(`--seed: expected a whole number, got "${flags.seed}"`);
  if (flags.out !== undefined && !/\.(md|csv|json)$/.test(flags.out)) {
    throw new UsageError(`--out: expected a .md, .csv or .json file, got "${flags.out}"`);
  }
  const policies = parsePolicies(flags.policies, flags.lrFit);
  const days = parseDays(flags.days);
  const spec = loadScenarioFile(scenario);
  if (spec.datacenter?.workload.type !== "planetlab") {
    throw new UsageError(`${scenario}: expected a scenario with a datacenter whose workload is planetlab`);
  }
  const tty = process.stderr.isTTY === true && !flags.quiet;
  const started = performance.now();
  const runs = comparePolicies({
    base: spec.datacenter,
    duration: spec.duration,
    seed: Number(flags.seed),
    policies,
    days,
    now: () => performance.now(),
    onRun: (i, total, policy, day) => {
      if (tty && performance.now() - started > 1000) {
        process.stderr.write(`\r[${i + 1}/${total}] ${policy} ${day}\x1b[K`);
      }
    },
  });
  if (tty) process.stderr.write("\r\x1b[K");
  const summary = summarise(runs);
  const markdown = `${summaryMarkdown(summary)}\nEach cell: ours / paper (difference). Days: ${days.map((d) => d.day).join(", ")}.\n`;
  if (flags.out !== undefined) writeTable(flags.out, markdown, runs, summary);
  if (!flags.quiet) {
    process.stdout.write(markdown);
    process.stdout.write(
      `\n${runs.length} runs in ${((performance.now() - started) / 1000).toFixed(1)} s${flags.out ? `; table written to ${flags.out}` : ""}\n`,
    );
  }
}

function writeTable(
  file: string,
  markdown: string,
  runs: ReturnType<typeof comparePolicies>,
  summary: ReturnType<typeof summarise>,
): void {
  mkdirSync(dirname(file), { recursive: true });
  if (file.endsWith(".csv")) writeAtomic(file, runsCsv(runs));
  else if (file.endsWith(".json")) writeAtomic(file, stableJson({ summary, runs }));
  else if (file.endsWith(".md"))
    writeAtomic(file, `${markdown}\n## Every run\n\n\`\`\`csv\n${runsCsv(runs)}\`\`\`\n`);
}
