/**
 * Turns zod's validation issues into InputIssues a person can act on: the location in
 * the file, the field path, what was expected and what was found, and "did you mean"
 * for misspelt keys and values. Expected keys come from the JSON Schema, which is
 * generated from the same zod schema.
 */
import type * as z from "zod";
import { describeValue, didYouMean, type InputIssue, type PathSegment } from "./input-issues.js";
import type { JsonSchema } from "./json-schema.js";
import type { YamlSource } from "./yaml-source.js";

type ZodIssue = z.core.$ZodIssue;

export function convertZodIssues(
  issues: readonly ZodIssue[],
  source: YamlSource,
  schema: JsonSchema,
  data: unknown,
  base: readonly PathSegment[] = [],
): InputIssue[] {
  const out: InputIssue[] = [];
  for (const iss of issues) {
    const path = [...base, ...(iss.path as PathSegment[])];
    if (iss.code === "invalid_union" && !hasCustomMessage(iss) && iss.errors.length > 0) {
      // Report the branch that got furthest: the one whose issues go deepest.
      const best = [...iss.errors].sort((a, b) => depth(b) - depth(a))[0];
      out.push(...convertZodIssues(best, source, schema, data, path));
      continue;
    }
    if (iss.code === "unrecognized_keys") {
      const known = keysAt(schema, data, path);
      for (const key of iss.keys) {
        const hint = didYouMean(key, known);
        const at = source.locate([...path, key], true);
        out.push({
          code: "unknown-key",
          file: source.file,
          ...at,
          path: [...path, key],
          message: `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : known.length > 0 ? `; expected one of ${known.join(", ")}` : ""}`,
        });
      }
      continue;
    }
    // A shorthand (a bare "1ms" for a distribution) is expanded before validation, so a
    // path may run past the value the file holds: report at that value instead.
    const reach = reachable(data, path);
    const input = valueAt(data, reach);
    const at = source.locate(reach);
    out.push({
      code: codeOf(iss, input),
      file: source.file,
      ...at,
      path: reach,
      message: messageOf(iss, input),
    });
  }
  return out;
}

function hasCustomMessage(iss: ZodIssue): boolean {
  return iss.message.startsWith("expected");
}

function depth(issues: readonly ZodIssue[]): number {
  let d = -1;
  for (const i of issues) {
    const own = i.path.length + (i.code === "invalid_type" ? 0 : 0.5);
    const nested = i.code === "invalid_union" ? Math.max(...i.errors.map(depth)) + i.path.length : own;
    d = Math.max(d, own, nested);
  }
  return d;
}

function codeOf(iss: ZodIssue, input: unknown): InputIssue["code"] {
  if (iss.code === "invalid_type" && input === undefined) return "missing";
  if (iss.code === "invalid_type" || iss.code === "invalid_format" || iss.code === "invalid_union")
    return "type";
  return "value";
}

function messageOf(iss: ZodIssue, input: unknown): string {
  const got = `got ${describeValue(input)}`;
  if (iss.code === "invalid_type" && input === undefined) {
    return `required field is missing: expected ${hasCustomMessage(iss) ? iss.message.replace(/^expected /, "") : iss.expected}`;
  }
  if (iss.code === "invalid_value" || (iss.code === "invalid_union" && "options" in iss)) {
    const values = (iss.code === "invalid_value" ? iss.values : (iss as { options: unknown[] }).options).map(
      String,
    );
    const hint = typeof input === "string" ? didYouMean(input, values) : undefined;
    const shown =
      iss.code === "invalid_union" && typeof input === "object" && input !== null
        ? (input as Record<string, unknown>).type
        : input;
    return `expected one of ${values.map((v) => JSON.stringify(v)).join(", ")}, got ${describeValue(shown)}${hint ? ` (did you mean "${hint}"?)` : ""}`;
  }
  if (hasCustomMessage(iss)) return `${iss.message}, ${got}`;
  switch (iss.code) {
    case "invalid_type":
      return `expected ${iss.expected === "int" ? "a whole number" : `a ${iss.expected}`}, ${got}`;
    case "too_small":
      return iss.origin === "array"
        ? `expected at least ${iss.minimum} item(s), ${got}`
        : `expected ${iss.inclusive ? "at least" : "more than"} ${iss.minimum}, ${got}`;
    case "too_big":
      return iss.origin === "array"
        ? `expected at most ${iss.maximum} item(s), ${got}`
        : `expected ${iss.inclusive ? "at most" : "less than"} ${iss.maximum}, ${got}`;
    default:
      return `${iss.message}, ${got}`;
  }
}

/** The longest prefix of `path` that does not step into a scalar. */
function reachable(data: unknown, path: readonly PathSegment[]): PathSegment[] {
  const out: PathSegment[] = [];
  let v = data;
  for (const seg of path) {
    if (typeof v !== "object" || v === null) break;
    out.push(seg);
    v = (v as Record<string | number, unknown>)[seg];
  }
  return out;
}

export function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v = data;
  for (const seg of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** The keys the schema allows for the object at `path` (choosing union branches by `type`). */
export function keysAt(schema: JsonSchema, data: unknown, path: readonly PathSegment[]): string[] {
  let node: JsonSchema | undefined = schema;
  let value = data;
  for (let i = 0; i <= path.length && node; i++) {
    node = chooseBranch(node, value);
    if (!node) return [];
    if (i === path.length) break;
    const seg = path[i];
    node = typeof seg === "number" ? node.items : node.properties?.[seg];
    value = valueAt(value, [seg]);
  }
  return node?.properties ? Object.keys(node.properties) : [];
}

function chooseBranch(node: JsonSchema, value: unknown): JsonSchema | undefined {
  const branches = node.oneOf ?? node.anyOf;
  if (!branches) return node;
  const type =
    typeof value === "object" && value !== null ? (value as Record<string, unknown>).type : undefined;
  const objects = branches.map((b) => chooseBranch(b, value)).filter((b): b is JsonSchema => !!b?.properties);
  return objects.find((b) => b.properties?.type?.const === type) ?? objects[0];
}
