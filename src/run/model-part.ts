/**
 * A part of the simulated world that a scenario builds (stations today; hosts and
 * domains, clusters, I/O paths later). The runner starts every part, resets their
 * statistics at the end of the warm-up, samples their time series, and asks each for
 * its share of the results.
 */
import type { Kernel } from "../kernel/kernel.js";
import type { ChartRecord, MetricRecord, TableRecord } from "./results.js";

export interface PartResults {
  metrics: MetricRecord[];
  tables: TableRecord[];
  charts: ChartRecord[];
  notes: string[];
}

export interface ModelPart {
  /** Schedules the part's first events. */
  start(k: Kernel): void;
  /** End of warm-up: forget statistics, keep state. */
  resetStats(now: number): void;
  /** Called at the end of every sample period (for time series). */
  sample(now: number): void;
  /** The part's results at the end of the run. */
  collect(now: number): PartResults;
}
