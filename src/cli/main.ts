#!/usr/bin/env node
/**
 * The `xenlab` command. Subcommands register themselves from their own files; this file
 * wires them to commander and turns failures into exit codes (see exit-codes.ts).
 */
import { Command } from "commander";
import { registerConsolidationCommand } from "./consolidation-command.js";
import { EXIT_OK, reportFailure } from "./exit-codes.js";
import { registerImagesCommand } from "./images-command.js";
import { registerPciCommand } from "./pci-command.js";
import { registerPlanCommand } from "./plan-command.js";
import { registerPlanetLabCommand } from "./planetlab-command.js";
import { registerRunCommand } from "./run-command.js";
import { registerSchemaCommand } from "./schema-command.js";
import { registerTraceCommand } from "./trace-command.js";
import { registerValidateCommand } from "./validate-command.js";
import { xenlabVersion } from "./version.js";
import { registerXenstoredCommand } from "./xenstored-command.js";

/** Every subcommand; later features append theirs. */
const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerRunCommand,
  registerValidateCommand,
  registerSchemaCommand,
  registerTraceCommand,
  registerXenstoredCommand,
  registerPciCommand,
  registerPlanCommand,
  registerImagesCommand,
  registerConsolidationCommand,
  registerPlanetLabCommand,
];

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("xenlab")
    .description("A Xen hypervisor and data centre as a deterministic digital twin.")
    .version(xenlabVersion(), "-V, --version", "print the version")
    .option("--debug", "print stack traces for failures")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride()
    .addHelpText(
      "after",
      `
Exit codes: 0 ok, 1 the run failed, 2 bad input (the message names file:line:column).

Examples:
  $ xenlab run scenarios/default.yaml
  $ xenlab validate scenarios/*.yaml
  $ xenlab trace summary out/default/trace.xentrace
  $ xenlab schema > schemas/scenario.schema.json
  $ xenlab plan scenarios/consolidation/tpcw-specweb.yaml`,
    );
  for (const register of COMMANDS) register(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // A command may report a non-fatal failure by setting process.exitCode (images check).
    return typeof process.exitCode === "number" ? process.exitCode : EXIT_OK;
  } catch (e) {
    return reportFailure(e, argv.includes("--debug"), (s) => process.stderr.write(s));
  }
}

process.exitCode = await main(process.argv);
