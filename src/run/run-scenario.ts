/**
 * Runs a loaded scenario: builds the model parts on one kernel seeded from the
 * scenario, resets statistics at the end of the warm-up, samples time series at a fixed
 * period, and gathers every part's results into one ResultsRecord.
 *
 * Progress is reported between chunks of simulated time; the caller decides whether
 * and how to show it (the kernel never reads the wall clock).
 */

import { Kernel } from "../kernel/kernel.js";
import { InputError } from "../scenario/input-issues.js";
import type { ScenarioSpec } from "../scenario/scenario-schema.js";
import { BUILT_SCHEDULERS } from "../xen/sched/sched-registry.js";
import { DatacenterPart } from "./datacenter-part.js";
import { HostPart, type HostPartOptions } from "./host-part.js";
import type { ModelPart } from "./model-part.js";
import { PciePart } from "./pcie-part.js";
import { RESULTS_SCHEMA_VERSION, type ResultsRecord } from "./results.js";
import { StationsPart } from "./stations-part.js";

export interface RunOptions extends HostPartOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Called between chunks with the simulated time reached and events so far. */
  onProgress?: (simNow: number, simEnd: number, events: number) => void;
}

/** Number of progress chunks a run is cut into (each a slice of simulated time). */
const PROGRESS_CHUNKS = 200;
/** Points a time series aims for over the whole run. */
const SERIES_POINTS = 400;

export function runScenario(spec: ScenarioSpec, opts: RunOptions = {}): ResultsRecord {
  refuseUnbuilt(spec);
  const seed = opts.seed ?? spec.seed;
  const k = new Kernel(seed);
  const samplePeriod = spec.outputs.sample_period ?? Math.max(1, Math.round(spec.duration / SERIES_POINTS));
  const parts: ModelPart[] = [];
  if (spec.stations.length > 0) parts.push(new StationsPart(spec.stations, samplePeriod));
  for (const h of spec.hosts) {
    const doms = spec.domains.map((d, index) => ({ spec: d, index })).filter((d) => d.spec.host === h.name);
    parts.push(new HostPart(spec, h, doms, samplePeriod, opts, spec.hosts.length === 1));
  }
  if (spec.pcie !== null) parts.push(new PciePart(spec.pcie));
  if (spec.datacenter) parts.push(new DatacenterPart(spec.datacenter, spec.duration));
  for (const p of parts) p.start(k);

  const sampler = k.timer((kk) => {
    for (const p of parts) p.sample(kk.now);
    if (kk.now + samplePeriod <= spec.duration) sampler.set(samplePeriod);
  });
  sampler.set(samplePeriod);
  if (spec.warmup > 0)
    k.atTime(spec.warmup, (kk) => {
      for (const p of parts) p.resetStats(kk.now);
    });

  const chunk = Math.max(1, Math.ceil(spec.duration / PROGRESS_CHUNKS));
  for (let t = Math.min(chunk, spec.duration); ; t = Math.min(t + chunk, spec.duration)) {
    k.run(t);
    opts.onProgress?.(k.now, spec.duration, k.events);
    if (t >= spec.duration) break;
  }

  const results: ResultsRecord = {
    schema: RESULTS_SCHEMA_VERSION,
    scenario: {
      name: spec.name,
      description: spec.description ?? null,
      file: spec.file,
      seed,
      duration_s: spec.duration / 1e9,
      warmup_s: spec.warmup / 1e9,
    },
    run: { events: k.events, simulated_s: k.now / 1e9 },
    metrics: [],
    tables: [],
    charts: [],
    notes: [],
  };
  for (const p of parts) {
    const r = p.collect(k.now);
    results.metrics.push(...r.metrics);
    results.tables.push(...r.tables);
    results.charts.push(...r.charts);
    results.notes.push(...r.notes);
  }
  return results;
}

/** Says plainly which parts of a scenario this version cannot simulate yet. */
function refuseUnbuilt(spec: ScenarioSpec): void {
  const file = spec.file ?? spec.name;
  const issues = spec.hosts.flatMap((h, i) =>
    (BUILT_SCHEDULERS as readonly string[]).includes(h.xen.scheduler)
      ? []
      : [
          {
            code: "value" as const,
            file,
            line: 0,
            column: 0,
            path: ["hosts", i, "xen", "scheduler"],
            message: `the ${h.xen.scheduler} scheduler is not built yet; this version simulates ${BUILT_SCHEDULERS.join(", ")}`,
          },
        ],
  );
  if (issues.length > 0) throw new InputError(issues);
}
