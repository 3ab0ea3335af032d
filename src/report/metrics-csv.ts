/** Metrics as CSV (RFC 4180 quoting): entity, metric, value, unit, ci95, expected. */
import type { ResultsRecord } from "../run/results.js";

export function metricsCsv(r: ResultsRecord): string {
  const rows = [["entity", "metric", "value", "unit", "ci95", "expected"]];
  for (const m of r.metrics) {
    rows.push([m.entity, m.name, str(m.value), m.unit, str(m.ci95), str(m.expected)]);
  }
  return `${rows.map((row) => row.map(quote).join(",")).join("\n")}\n`;
}

function str(v: number | null | undefined): string {
  return v === null || v === undefined ? "" : String(v);
}

function quote(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
