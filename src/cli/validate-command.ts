/** `xenlab validate <scenario...>`: check files without running them. */
import type { Command } from "commander";
import { InputError, type InputIssue } from "../scenario/input-issues.js";
import { loadScenarioFile } from "../scenario/load-scenario.js";

export function registerValidateCommand(program: Command): void {
  program
    .command("validate")
    .description("check scenario files and report every problem, without running them")
    .argument("<scenario...>", "scenario files")
    .addHelpText(
      "after",
      `
Prints "ok" per valid file; for a bad file, every problem as
  file:line:column field.path: what was expected, what was found
and exits with code 2.

Example:
  $ xenlab validate scenarios/*.yaml`,
    )
    .action((files: string[]) => {
      const problems: InputIssue[] = [];
      for (const f of files) {
        try {
          const spec = loadScenarioFile(f);
          process.stdout.write(`ok ${f} (${spec.name})\n`);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          problems.push(...e.issues);
        }
      }
      if (problems.length > 0) {
        throw new InputError(problems);
      }
    });
}
