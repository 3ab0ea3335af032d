/**
 * Configuration errors (STYLE.md 12b): every problem in an input file is collected as
 * an InputIssue with its location and field path, and all of them are reported at once
 * by one InputError, e.g.
 *   scenarios/x.yaml:12:7 domains[2].workload.period: expected a duration like "10ms", got "ten"
 * The CLI prints the message and exits with code 2.
 */

export type IssueCode =
  | "file" // cannot read the file
  | "syntax" // YAML / JSON / xl.cfg syntax
  | "type" // wrong type or format
  | "unknown-key" // a key the format does not have
  | "missing" // a required key is absent
  | "value" // a value out of range or not allowed
  | "reference"; // names something that does not exist

export type PathSegment = string | number;

export interface InputIssue {
  code: IssueCode;
  file: string;
  /** 1-based; 0 when not known. */
  line: number;
  column: number;
  path: readonly PathSegment[];
  message: string;
}

export class InputError extends Error {
  override name = "InputError";
  constructor(readonly issues: readonly InputIssue[]) {
    super(issues.map(formatIssue).join("\n"));
  }
}

/** `domains[2].workload.period` */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out;
}

export function formatIssue(i: InputIssue): string {
  const where = i.line > 0 ? `${i.file}:${i.line}:${i.column}` : i.file;
  const path = i.path.length > 0 ? ` ${formatPath(i.path)}:` : "";
  return `${where}${path} ${i.message}`;
}

/** Renders a found value for a message: strings quoted, objects summarised. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  return "a mapping";
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/** Levenshtein distance with one rolling row. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = above;
    }
  }
  return row[b.length];
}
