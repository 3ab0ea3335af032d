/** The summary printed at the end of `xenlab run`: what ran, then every results table. */
import type { ResultsRecord } from "../run/results.js";
import { formatTable } from "./text-table.js";

export function terminalSummary(r: ResultsRecord): string {
  const head = `${r.scenario.name}: ${r.scenario.duration_s} s simulated (warm-up ${r.scenario.warmup_s} s), seed ${r.scenario.seed}, ${r.run.events} events`;
  const parts = [head];
  for (const t of r.tables) parts.push(`\n${t.title}\n${formatTable(t)}`);
  for (const n of r.notes) parts.push(`note: ${n}`);
  return `${parts.join("\n")}\n`;
}
