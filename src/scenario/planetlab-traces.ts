/**
 * The PlanetLab workload of Beloglazov and Buyya (CoMon, March-April 2011) as xenlab reads
 * it: one folder per day, one file per VM, 288 integer CPU percentages (one per 300 s), as
 * in CloudSim's `workload/planetlab/<day>/` (see datasets/planetlab/README.md). Like
 * CloudSim's `UtilizationModelPlanetLabInMemory` we divide by 100 and append a copy of the
 * last sample (289 points) so that the end of the day is defined.
 *
 * Where a day is found: the folder a scenario names (`dir`, relative to the scenario file),
 * else `datasets/planetlab/<day>` in this repository, else the cache filled by
 * `xenlab planetlab fetch`. Files are taken in byte-wise sorted name order so that trace i,
 * and therefore the VM type CloudSim's rule gives it, is the same on every machine.
 *
 * Bad content is an InputError naming the file and line ("expected an integer percentage").
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TraceSet } from "../cluster/fluid/utilisation-trace.js";
import { InputError, type InputIssue } from "./input-issues.js";

/** Samples per trace file (24 h at 300 s). */
export const PLANETLAB_SAMPLES = 288;
/** Time between samples, ns. */
export const PLANETLAB_PERIOD_NS = 300e9;
/** The ten days of the data set. */
export const PLANETLAB_DAYS = [
  "20110303",
  "20110306",
  "20110309",
  "20110322",
  "20110325",
  "20110403",
  "20110409",
  "20110411",
  "20110412",
  "20110420",
] as const;

/** The repository root (two levels above this module, in src/ and in dist/ alike). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The folder holding the days shipped with the repository. */
export function bundledPlanetLabDir(): string {
  return join(REPO_ROOT, "datasets", "planetlab");
}

/** `$XENLAB_PLANETLAB_CACHE`, else `$XDG_CACHE_HOME/xenlab/planetlab`, else `~/.cache/xenlab/planetlab`. */
export function planetLabCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XENLAB_PLANETLAB_CACHE) return resolve(env.XENLAB_PLANETLAB_CACHE);
  const base = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), ".cache");
  return join(base, "xenlab", "planetlab");
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The folders a day is looked for in, in order. */
export function planetLabSearchPath(day: string, explicitDir?: string, env = process.env): string[] {
  if (explicitDir !== undefined) return [explicitDir];
  return [join(bundledPlanetLabDir(), day), join(planetLabCacheDir(env), day)];
}

/** The first folder holding `day`, or null. */
export function findPlanetLabDay(day: string, explicitDir?: string, env = process.env): string | null {
  return planetLabSearchPath(day, explicitDir, env).find(isDir) ?? null;
}

export interface PlanetLabDay {
  dir: string;
  /** Trace file names, sorted; VM i follows names[i]. */
  names: string[];
  traces: TraceSet;
}

/** Trace files of a day folder, sorted byte-wise (hidden files and folders skipped). */
export function listTraceFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith(".") && !isDir(join(dir, n)))
    .sort();
}

/**
 * Reads a day folder. @param maxVms take only the first N traces (a subset for tests).
 * @throws InputError for an unreadable folder or a malformed file
 */
export function readPlanetLabDay(dir: string, maxVms?: number): PlanetLabDay {
  let names: string[];
  try {
    names = listTraceFiles(dir);
  } catch (e) {
    throw new InputError([issue(dir, 0, `cannot read the trace folder: ${(e as Error).message}`)]);
  }
  if (names.length === 0) throw new InputError([issue(dir, 0, "no trace files in this folder")]);
  if (maxVms !== undefined) names = names.slice(0, maxVms);
  const traces = new TraceSet(names.length, PLANETLAB_SAMPLES + 1, PLANETLAB_PERIOD_NS);
  const problems: InputIssue[] = [];
  const values = new Float64Array(PLANETLAB_SAMPLES);
  names.forEach((name, v) => {
    const file = join(dir, name);
    const problem = parseTraceFile(file, readFileSync(file), values);
    if (problem) {
      problems.push(problem);
      return;
    }
    for (let i = 0; i < PLANETLAB_SAMPLES; i++) traces.set(v, i, values[i] / 100);
    traces.set(v, PLANETLAB_SAMPLES, values[PLANETLAB_SAMPLES - 1] / 100);
  });
  if (problems.length > 0) throw new InputError(problems.slice(0, 20));
  return { dir, names, traces };
}

/**
 * Parses one trace file's bytes into `out` (288 percentages). @returns the first problem, or
 * null. Accepts LF or CRLF line ends and a final newline; nothing else. Works on bytes, not
 * strings: a day is 1052 files and 300,000 lines.
 */
export function parseTraceFile(file: string, bytes: Uint8Array, out: Float64Array): InputIssue | null {
  let line = 0;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    let value = 0;
    let digits = 0;
    const start = i;
    while (i < n && bytes[i] >= 48 && bytes[i] <= 57) {
      value = value * 10 + (bytes[i] - 48);
      digits++;
      i++;
    }
    if (i < n && bytes[i] === 13) i++;
    const endsLine = i >= n || bytes[i] === 10;
    if (digits === 0 || digits > 3 || value > 100 || !endsLine) {
      let stop = start;
      while (stop < n && bytes[stop] !== 10) stop++;
      const text = Buffer.from(bytes.subarray(start, stop)).toString("latin1").replace(/\r$/, "");
      return issue(file, line + 1, `expected an integer percentage 0..100, got ${JSON.stringify(text)}`);
    }
    if (line < PLANETLAB_SAMPLES) out[line] = value;
    line++;
    i++;
  }
  if (line !== PLANETLAB_SAMPLES) {
    return issue(
      file,
      Math.min(line, PLANETLAB_SAMPLES) + 1,
      `expected ${PLANETLAB_SAMPLES} samples (one per 300 s), found ${line}`,
    );
  }
  return null;
}

function issue(file: string, line: number, message: string): InputIssue {
  return { code: line > 0 ? "value" : "file", file, line, column: line > 0 ? 1 : 0, path: [], message };
}

export interface FetchReport {
  day: string;
  files: number;
  renamed: number;
  to: string;
}

/**
 * Copies days of the data set from `from` (a folder with one sub-folder per day, e.g. a
 * CloudSim checkout's `workload/planetlab`) into `to`, checking every file and replacing
 * spaces in names by "_". A day is written to a temporary folder and renamed into place,
 * so a failed copy leaves nothing half-written. Days already present are skipped.
 */
export function fetchPlanetLabDays(from: string, to: string, days: readonly string[]): FetchReport[] {
  const reports: FetchReport[] = [];
  const values = new Float64Array(PLANETLAB_SAMPLES);
  for (const day of days) {
    const src = join(from, day);
    const dst = join(to, day);
    if (!isDir(src)) throw new InputError([issue(src, 0, `day ${day} is not in ${from}`)]);
    if (isDir(dst)) {
      reports.push({ day, files: listTraceFiles(dst).length, renamed: 0, to: dst });
      continue;
    }
    const names = listTraceFiles(src);
    const problems: InputIssue[] = [];
    for (const n of names) {
      const p = parseTraceFile(join(src, n), readFileSync(join(src, n)), values);
      if (p) problems.push(p);
    }
    if (problems.length > 0) throw new InputError(problems.slice(0, 20));
    const tmp = `${dst}.tmp-${process.pid}`;
    mkdirSync(tmp, { recursive: true });
    let renamed = 0;
    const seen = new Set<string>();
    for (const n of names) {
      const safe = n.replace(/ /g, "_");
      if (safe !== n) renamed++;
      if (seen.has(safe)) throw new InputError([issue(join(src, n), 0, `two files map to the name ${safe}`)]);
      seen.add(safe);
      copyFileSync(join(src, n), join(tmp, safe));
    }
    renameSync(tmp, dst);
    reports.push({ day, files: names.length, renamed, to: dst });
  }
  return reports;
}

/** Days found in the repository and the cache, with where each one is. */
export function availablePlanetLabDays(env = process.env): { day: string; dir: string; files: number }[] {
  const out: { day: string; dir: string; files: number }[] = [];
  for (const day of PLANETLAB_DAYS) {
    const dir = findPlanetLabDay(day, undefined, env);
    if (dir !== null && existsSync(dir)) out.push({ day, dir, files: listTraceFiles(dir).length });
  }
  return out;
}
