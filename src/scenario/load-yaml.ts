/**
 * The shared front half of every input format (scenarios, plans, topologies): read a
 * YAML or JSON file, check it against a zod schema, and turn every problem into a
 * positioned InputIssue. Formats then add their cross-field checks with `at`, which
 * locates a field path in the same file.
 */
import { readFileSync } from "node:fs";
import type * as z from "zod";
import { InputError, type InputIssue, type PathSegment } from "./input-issues.js";
import type { JsonSchema } from "./json-schema.js";
import { YamlSource } from "./yaml-source.js";
import { convertZodIssues } from "./zod-issues.js";

export interface Loaded<T> {
  value: T;
  source: YamlSource;
  /** Records a cross-field problem at a path of this file. */
  issue(path: readonly PathSegment[], message: string, code?: InputIssue["code"]): InputIssue;
}

/** Reads a file's text; a missing or unreadable file is an InputError naming it. */
export function readInputFile(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    throw new InputError([
      { code: "file", file, line: 0, column: 0, path: [], message: `cannot read ${what}: ${reason}` },
    ]);
  }
}

/**
 * Parses `text` and validates it with `schema`; throws one InputError listing every
 * syntax or schema problem in file order. `jsonSchema` (the same schema exported as JSON
 * Schema) supplies the allowed keys for "did you mean" hints.
 */
export function parseWithSchema<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
  jsonSchema: () => JsonSchema,
  what: string,
): Loaded<z.output<S>> {
  const { source, data, issues } = YamlSource.parse(file, text);
  if (issues.length > 0) throw new InputError(issues);
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new InputError([
      { code: "type", file, line: 1, column: 1, path: [], message: `expected a mapping of ${what} settings` },
    ]);
  }
  const parsed = schema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    throw new InputError(byPosition(convertZodIssues(parsed.error.issues, source, jsonSchema(), data)));
  }
  return {
    value: parsed.data,
    source,
    issue: (path, message, code = "value") => ({ code, file, ...source.locate(path), path, message }),
  };
}

/** Issues in file order: by file, then line, then column. */
export function byPosition(issues: readonly InputIssue[]): InputIssue[] {
  return [...issues].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}
