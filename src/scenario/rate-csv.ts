/**
 * Hourly arrival-rate profiles as CSV (RFC 4180: comma-separated, optional double quotes,
 * "" for a quote inside quotes, CRLF or LF line ends), as monitoring tools export them:
 * a header row naming the columns, then one row per hour. The loader takes one column of
 * non-negative numbers; problems are InputIssues located at the CSV file's own line and
 * column, so a bad cell is reported where it is.
 */
import { readFileSync } from "node:fs";
import { describeValue, type InputIssue } from "./input-issues.js";

export type RateCsv = { values: number[] } | { error: string; issues: InputIssue[] };

interface Cell {
  text: string;
  line: number;
  column: number;
}

/** Reads `column` of the CSV at `path` (named `shown` in messages). */
export function readRateCsv(path: string, shown: string, column: string): RateCsv {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { error: `cannot read CSV file ${JSON.stringify(shown)} (looked for ${path})`, issues: [] };
  }
  const rows = parseCsv(text);
  if (rows.length === 0)
    return { error: `CSV file ${JSON.stringify(shown)} is empty: expected a header row`, issues: [] };
  const header = rows[0].map((c) => c.text.trim());
  const col = header.findIndex((h) => h.toLowerCase() === column.toLowerCase());
  if (col < 0) {
    const at = rows[0][0];
    return {
      error: "",
      issues: [
        {
          code: "reference",
          file: shown,
          line: at.line,
          column: 1,
          path: [],
          message: `no column ${JSON.stringify(column)} in the header; columns are ${header.map((h) => JSON.stringify(h)).join(", ")}`,
        },
      ],
    };
  }
  const values: number[] = [];
  const issues: InputIssue[] = [];
  for (const row of rows.slice(1)) {
    const cell = row[col];
    const v = cell === undefined ? Number.NaN : Number(cell.text.trim());
    if (cell === undefined || cell.text.trim() === "" || !Number.isFinite(v) || v < 0) {
      issues.push({
        code: "value",
        file: shown,
        line: (cell ?? row[0]).line,
        column: cell?.column ?? 1,
        path: [column],
        message: `expected a rate >= 0 (a number), got ${cell === undefined ? "a missing cell" : describeValue(cell.text)}`,
      });
      continue;
    }
    values.push(v);
  }
  return issues.length > 0 ? { error: "", issues } : { values };
}

/** Rows of cells with their 1-based positions; blank lines are skipped. */
export function parseCsv(text: string): Cell[][] {
  const rows: Cell[][] = [];
  let row: Cell[] = [];
  let cell = "";
  let cellLine = 1;
  let cellCol = 1;
  let line = 1;
  let col = 1;
  let quoted = false;
  let started = false;
  const endCell = (): void => {
    row.push({ text: cell, line: cellLine, column: cellCol });
    cell = "";
    started = false;
  };
  const endRow = (): void => {
    if (row.length > 1 || row[0].text.trim() !== "") rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (!started) {
      cellLine = line;
      cellCol = col;
      started = true;
    }
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
        col++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      endCell();
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      endCell();
      endRow();
      line++;
      col = 0;
    } else cell += ch;
    if (quoted && ch === "\n") {
      // a newline inside quotes belongs to the cell but still advances the line
      line++;
      col = 0;
    }
    col++;
  }
  if (started || cell !== "" || row.length > 0) {
    endCell();
    endRow();
  }
  return rows;
}
