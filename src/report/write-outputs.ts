/**
 * Writes a run's output folder: results.json (deterministic), report.html
 * (deterministic), and run.json (wall-clock facts about this particular run, kept apart
 * so the other two are byte-identical across runs). Each file is written to a temporary
 * name and renamed, so a reader never sees half a file.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ResultsRecord } from "../run/results.js";
import { htmlReport } from "./html-report.js";

export interface RunInfo {
  xenlab_version: string;
  node_version: string;
  started_at: string;
  wall_s: number;
  events_per_s: number;
  command: string[];
}

export interface WrittenFiles {
  results: string;
  report: string | null;
  run: string;
}

export function writeAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function stableJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function writeOutputs(
  dir: string,
  results: ResultsRecord,
  info: RunInfo,
  report: boolean,
): WrittenFiles {
  mkdirSync(dir, { recursive: true });
  const files: WrittenFiles = {
    results: join(dir, "results.json"),
    report: report ? join(dir, "report.html") : null,
    run: join(dir, "run.json"),
  };
  writeAtomic(files.results, stableJson(results));
  if (files.report) writeAtomic(files.report, htmlReport(results));
  writeAtomic(files.run, stableJson(info));
  return files;
}
