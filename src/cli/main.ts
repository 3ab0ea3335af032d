#!/usr/bin/env node
/**
 * The `xenlab` command. Subcommands register themselves from their own files; this file
 * wires them to commander and turns failures into exit codes (see exit-codes.ts).
 */
import { Command } from "commander";
import { COMMANDS } from "./command-table.js";
import { EXIT_OK, reportFailure } from "./exit-codes.js";
import { xenlabVersion } from "./version.js";

/**
 * The program for `argv`: the subcommand named on the command line is loaded and
 * registered in full; the others appear as summaries (for `--help` and for commander's
 * "unknown command" suggestions).
 */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
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
  const words = argv.slice(2).filter((a) => !a.startsWith("-"));
  const named = words[0] === "help" ? words[1] : words[0];
  for (const entry of COMMANDS) {
    if (entry.name === named) (await entry.load())(program);
    else program.command(entry.name).description(entry.summary);
  }
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

async function main(argv: string[]): Promise<number> {
  // Output piped into `head` closes early: that is the reader's choice, not a failure.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(EXIT_OK);
    throw e;
  });
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
    // A command may report a non-fatal failure by setting process.exitCode (images check).
    return typeof process.exitCode === "number" ? process.exitCode : EXIT_OK;
  } catch (e) {
    return reportFailure(e, argv.includes("--debug"), (s) => process.stderr.write(s));
  }
}

process.exitCode = await main(process.argv);
