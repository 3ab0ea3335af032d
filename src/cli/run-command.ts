/** `xenlab run <scenario>`: load, simulate, write results.json, report.html and run.json. */
import { join } from "node:path";
import type { Command } from "commander";
import { FileSink } from "../report/file-sink.js";
import { metricsCsv } from "../report/metrics-csv.js";
import { terminalSummary } from "../report/terminal-summary.js";
import { stableJson, writeOutputs } from "../report/write-outputs.js";
import { runScenario } from "../run/run-scenario.js";
import { loadScenarioFile } from "../scenario/load-scenario.js";
import { UsageError } from "./exit-codes.js";
import { ProgressBar } from "./progress-bar.js";
import { xenlabVersion } from "./version.js";

interface RunFlags {
  seed?: string;
  out?: string;
  format: string;
  quiet?: boolean;
}

const FORMATS = ["table", "json", "csv"];

export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description("simulate a scenario and write its results and report")
    .argument("<scenario>", "scenario file (.yaml or .json)")
    .option("--seed <n>", "override the scenario's random seed (a whole number)")
    .option("--out <dir>", "output folder (default: out/<scenario name>)")
    .option("--format <format>", "what to print: table, json or csv", "table")
    .option("--quiet", "print nothing (files are still written)")
    .addHelpText(
      "after",
      `
Writes results.json (every metric with its unit), report.html (one self-contained file
with interactive charts) and run.json (wall-clock facts) into the output folder; with
outputs.trace a XenTrace file (trace.xentrace, readable by xenalyze and
\`xenlab trace summary\`), and with debug_keys the Xen console dumps (console.log).
The same scenario and seed always give byte-identical outputs except run.json.

Examples:
  $ xenlab run scenarios/default.yaml
  $ xenlab run scenarios/default.yaml --seed 7 --out /tmp/xen-host --format csv
  $ xenlab run scenarios/scheduler/06-mixed-audio/scenario.yaml`,
    )
    .action((file: string, flags: RunFlags) => runAction(file, flags));
}

function runAction(file: string, flags: RunFlags): void {
  if (!FORMATS.includes(flags.format)) {
    throw new UsageError(`--format: expected one of ${FORMATS.join(", ")}, got "${flags.format}"`);
  }
  let seed: number | undefined;
  if (flags.seed !== undefined) {
    seed = Number(flags.seed);
    if (!/^\d+$/.test(flags.seed) || !Number.isSafeInteger(seed)) {
      throw new UsageError(`--seed: expected a whole number >= 0, got "${flags.seed}"`);
    }
  }
  const spec = loadScenarioFile(file);
  const bar = new ProgressBar(process.stderr, process.stderr.isTTY === true && !flags.quiet);
  const started = new Date();
  const t0 = performance.now();
  const dir = flags.out ?? join("out", spec.name);
  const extra: string[] = [];
  const results = runScenario(spec, {
    seed,
    onProgress: (n, e, ev) => bar.update(n, e, ev),
    openFile: (name) => {
      extra.push(join(dir, name));
      return new FileSink(join(dir, name));
    },
  });
  bar.done();
  const wall = (performance.now() - t0) / 1000;
  const files = writeOutputs(
    dir,
    results,
    {
      xenlab_version: xenlabVersion(),
      node_version: process.version,
      started_at: started.toISOString(),
      wall_s: wall,
      events_per_s: wall > 0 ? Math.round(results.run.events / wall) : 0,
      command: process.argv.slice(2),
    },
    spec.outputs.report,
  );
  if (flags.quiet) return;
  if (flags.format === "json") process.stdout.write(stableJson(results));
  else if (flags.format === "csv") process.stdout.write(metricsCsv(results));
  else {
    process.stdout.write(terminalSummary(results));
    process.stdout.write(`\nresults: ${files.results}\n`);
    if (files.report) process.stdout.write(`report:  ${files.report}\n`);
    for (const f of extra)
      process.stdout.write(`${f.endsWith(".xentrace") ? "trace:  " : "console:"} ${f}\n`);
  }
}
