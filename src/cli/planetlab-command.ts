/**
 * `xenlab planetlab`: the PlanetLab workload's days. `days` lists what xenlab can find
 * (the repository's datasets/planetlab and the cache); `fetch` copies days from wherever
 * you have them (a CloudSim checkout, an unpacked archive) into the cache, checking every
 * file and renaming "a b" to "a_b" as the repository copy does.
 */
import type { Command } from "commander";
import {
  availablePlanetLabDays,
  bundledPlanetLabDir,
  fetchPlanetLabDays,
  PLANETLAB_DAYS,
  planetLabCacheDir,
} from "../scenario/planetlab-traces.js";
import { UsageError } from "./exit-codes.js";

interface FetchFlags {
  from: string;
  to?: string;
}

export function registerPlanetLabCommand(program: Command): void {
  const cmd = program
    .command("planetlab")
    .description("the PlanetLab CPU traces (Beloglazov and Buyya's workload)");
  cmd
    .command("days")
    .description("list the days xenlab can find, and where")
    .addHelpText(
      "after",
      `
Looks in ${bundledPlanetLabDir()} and in the cache
(${planetLabCacheDir()}; set XENLAB_PLANETLAB_CACHE to move it).

Example:
  $ xenlab planetlab days`,
    )
    .action(() => {
      const found = availablePlanetLabDays();
      for (const d of found)
        process.stdout.write(`${d.day}  ${String(d.files).padStart(5)} traces  ${d.dir}\n`);
      const missing = PLANETLAB_DAYS.filter((d) => !found.some((f) => f.day === d));
      if (missing.length > 0) {
        process.stdout.write(
          `not found: ${missing.join(" ")} (xenlab planetlab fetch --from <folder with the days>)\n`,
        );
      }
    });
  cmd
    .command("fetch")
    .description("copy days of the data set into the cache from a folder you have")
    .argument("[days...]", "days to copy (default: all ten)")
    .requiredOption("--from <dir>", "folder with one sub-folder per day (e.g. CloudSim's workload/planetlab)")
    .option("--to <dir>", "destination (default: the cache)")
    .addHelpText(
      "after",
      `
Every file must hold 288 integer percentages; a day is copied to a temporary folder and
renamed into place, so an interrupted fetch leaves nothing half-written. Days already in
the destination are kept.

Examples:
  $ xenlab planetlab fetch --from ~/cloudsim/modules/cloudsim-examples/src/main/resources/workload/planetlab
  $ xenlab planetlab fetch --from /data/planetlab 20110306 20110309`,
    )
    .action((days: string[], flags: FetchFlags) => {
      const list = days.length > 0 ? days : [...PLANETLAB_DAYS];
      for (const d of list) {
        if (!/^\d{8}$/.test(d)) throw new UsageError(`expected days like 20110303, got "${d}"`);
      }
      const to = flags.to ?? planetLabCacheDir();
      for (const r of fetchPlanetLabDays(flags.from, to, list)) {
        process.stdout.write(
          `${r.day}  ${String(r.files).padStart(5)} traces  ${r.to}${r.renamed ? ` (${r.renamed} renamed)` : ""}\n`,
        );
      }
    });
}
