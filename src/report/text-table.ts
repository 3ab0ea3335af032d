/**
 * Plain aligned text tables for the terminal, in the style of `xl list`: a header row,
 * columns separated by spaces, numbers right-aligned, no box drawing (so the output
 * pastes cleanly into mail and issue trackers).
 */
import type { TableRecord } from "../run/results.js";

export function formatTable(t: TableRecord): string {
  const header = t.columns.map((c) => (c.unit && c.unit !== "1" ? `${c.name} (${c.unit})` : c.name));
  const cells = t.rows.map((r) => r.map(formatCell));
  const numeric = t.columns.map(
    (_, j) => t.rows.length > 0 && t.rows.every((r) => typeof r[j] === "number" || r[j] === null),
  );
  const widths = header.map((h, j) => Math.max(h.length, ...cells.map((r) => (r[j] ?? "").length)));
  const line = (row: string[]): string =>
    row
      .map((c, j) => (numeric[j] ? c.padStart(widths[j]) : c.padEnd(widths[j])))
      .join("  ")
      .trimEnd();
  return [line(header), ...cells.map(line)].join("\n");
}

function formatCell(v: string | number | null): string {
  if (v === null) return "-";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  return v;
}
