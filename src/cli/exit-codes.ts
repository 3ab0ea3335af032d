/**
 * Exit codes and how failures are shown. 0: success. 1: the run itself failed (a model
 * invariant broke, an output could not be written). 2: bad input (a scenario, a file, a
 * command line) — the message says where and what. No stack trace unless --debug.
 */
import { CommanderError } from "commander";
import { InputError } from "../scenario/input-issues.js";

export const EXIT_OK = 0;
export const EXIT_RUN_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

/** An error the CLI raises for bad usage that commander itself cannot see. */
export class UsageError extends Error {
  override name = "UsageError";
}

export function reportFailure(e: unknown, debug: boolean, write: (s: string) => void): number {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help")
      return EXIT_OK;
    return EXIT_BAD_INPUT; // commander has already printed the message
  }
  if (e instanceof InputError || e instanceof UsageError) {
    write(`${e.message}\n`);
    if (debug && e.stack) write(`${e.stack}\n`);
    return EXIT_BAD_INPUT;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  write(`xenlab: ${err.name === "Error" ? "error" : err.name}: ${err.message}\n`);
  if (debug && err.stack) write(`${err.stack}\n`);
  else write("(run again with --debug for the stack trace)\n");
  return EXIT_RUN_FAILURE;
}
