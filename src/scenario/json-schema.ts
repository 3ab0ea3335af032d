/**
 * The scenario format as JSON Schema (draft 2020-12), generated from the zod schema so
 * the two cannot drift. Fields that also accept a shorthand (a bare duration for a
 * constant distribution) are widened to say so.
 */
import * as z from "zod";
import { SCENARIO_SCHEMA_ID, Scenario } from "./scenario-schema.js";
import { Arrivals, Duration, TimeDistribution } from "./schema-parts.js";

/** The subset of JSON Schema this project reads back (for "did you mean" hints). */
export interface JsonSchema {
  type?: string | string[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  [key: string]: unknown;
}

const SHORTHAND = new Set<unknown>([TimeDistribution, Arrivals]);

export function scenarioJsonSchema(): JsonSchema {
  const durationSchema = z.toJSONSchema(Duration, { io: "input" }) as JsonSchema;
  delete durationSchema.$schema;
  const schema = z.toJSONSchema(Scenario, {
    io: "input",
    override: (ctx) => {
      if (!SHORTHAND.has(ctx.zodSchema)) return;
      const objectForm = { ...(ctx.jsonSchema as JsonSchema) };
      for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as JsonSchema)[key];
      Object.assign(ctx.jsonSchema, { anyOf: [durationSchema, objectForm] });
    },
  }) as JsonSchema;
  return {
    $schema: schema.$schema,
    $id: SCENARIO_SCHEMA_ID,
    title: "xenlab scenario",
    description:
      "A xenlab scenario: what to simulate, for how long, and what to write. Units are written out.",
    ...schema,
  };
}
