/** `xenlab schema`: print the scenario format as JSON Schema. */
import type { Command } from "commander";
import * as z from "zod";
import { stableJson } from "../report/write-outputs.js";
import { Results } from "../run/results.js";
import { scenarioJsonSchema } from "../scenario/json-schema.js";
import { UsageError } from "./exit-codes.js";

/** The results.json format as JSON Schema. */
export function resultsJsonSchema(): Record<string, unknown> {
  return { title: "xenlab results", ...z.toJSONSchema(Results) };
}

export function registerSchemaCommand(program: Command): void {
  program
    .command("schema")
    .description("print the scenario file format (or the results.json format) as JSON Schema (draft 2020-12)")
    .argument("[which]", "scenario or results", "scenario")
    .addHelpText(
      "after",
      `
Point your editor's YAML/JSON language server at it for completion and checking, e.g. in
VS Code with the YAML extension, first line of a scenario:
  # yaml-language-server: $schema=../schemas/scenario.schema.json

Examples:
  $ xenlab schema > schemas/scenario.schema.json
  $ xenlab schema results > schemas/results.schema.json`,
    )
    .action((which: string) => {
      if (which === "scenario") process.stdout.write(stableJson(scenarioJsonSchema()));
      else if (which === "results") process.stdout.write(stableJson(resultsJsonSchema()));
      else throw new UsageError(`schema: expected "scenario" or "results", got "${which}"`);
    });
}
