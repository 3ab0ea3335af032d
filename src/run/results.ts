/**
 * results.json: what a run measured, in a versioned schema where every number carries
 * its unit. Models contribute metrics (flat, for machines and diffs), tables (for the
 * terminal and the report) and charts (declarative series the HTML report draws). The
 * same scenario and seed give the same bytes: nothing here depends on the wall clock.
 */
import * as z from "zod";

export const RESULTS_SCHEMA_VERSION = "xenlab.results/1";

const Num = z.number().nullable(); // null where a value is undefined (NaN has no JSON form)

export const Metric = z.strictObject({
  /** The measured thing: "station/mm1", "domain/web", "host/h0/pcpu/3". */
  entity: z.string(),
  /** Dotted metric name: "response_time.mean". */
  name: z.string(),
  value: Num,
  /** Unit: "s", "1/s", "1" (dimensionless), "%", "B", "bit/s", "W", ... */
  unit: z.string(),
  /** Half-width of the 95% confidence interval, when the run estimates one. */
  ci95: Num.optional(),
  /** The value a model predicts (for validation), when there is one. */
  expected: Num.optional(),
  description: z.string().optional(),
});

export const Column = z.strictObject({ name: z.string(), unit: z.string().optional() });

export const Table = z.strictObject({
  id: z.string(),
  title: z.string(),
  columns: z.array(Column),
  rows: z.array(z.array(z.union([z.string(), z.number(), z.null()]))),
});

export const Series = z.strictObject({
  name: z.string(),
  /** [x, y] pairs; for gantt charts [start, end, lane] triples. */
  points: z.array(z.array(z.number().nullable())),
});

export const Chart = z.strictObject({
  id: z.string(),
  title: z.string(),
  kind: z.enum(["line", "step", "cdf", "bar", "gantt", "scatter"]),
  x: z.strictObject({ label: z.string(), unit: z.string(), log: z.boolean().optional() }),
  y: z.strictObject({ label: z.string(), unit: z.string(), log: z.boolean().optional() }),
  series: z.array(Series),
  /** Lane names for gantt charts (y index -> name); category names for bar charts. */
  categories: z.array(z.string()).optional(),
  note: z.string().optional(),
});

export const Results = z.strictObject({
  schema: z.literal(RESULTS_SCHEMA_VERSION),
  scenario: z.strictObject({
    name: z.string(),
    description: z.string().nullable(),
    file: z.string().nullable(),
    seed: z.number(),
    duration_s: z.number(),
    warmup_s: z.number(),
  }),
  run: z.strictObject({
    /** Events the kernel executed. */
    events: z.number(),
    /** Simulated seconds, warm-up included. */
    simulated_s: z.number(),
  }),
  metrics: z.array(Metric),
  tables: z.array(Table),
  charts: z.array(Chart),
  notes: z.array(z.string()),
});

export type MetricRecord = z.infer<typeof Metric>;
export type TableRecord = z.infer<typeof Table>;
export type ChartRecord = z.infer<typeof Chart>;
export type ResultsRecord = z.infer<typeof Results>;

/** A finite number, or null for NaN/Infinity (which JSON cannot carry). */
export function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
