/**
 * `cluster.planetlab`: the Beloglazov and Buyya experiment on one PlanetLab day - 800 hosts,
 * one VM per trace (1052 on 20110303), 24 h at 300 s, LR-MMT with safety parameter 1.2 -
 * through the user's path: load the scenario file, read the 1052 trace files, simulate,
 * gather results (no report written). Goal (issue 13): under 3 s wall and 200 MiB.
 * Metrics: wall_s (that whole path, in process), cpu_s (CPU time of the same, less sensitive
 * to a busy machine) and peak_rss_mb (the child process's peak).
 */
import { join } from "node:path";
import { runScenario } from "../run/run-scenario.js";
import { loadScenarioFile } from "../scenario/load-scenario.js";
import { REPO_ROOT } from "../scenario/planetlab-traces.js";
import type { Bench } from "./bench-types.js";

export const clusterPlanetLab: Bench = {
  name: "cluster.planetlab",
  cases: [{ day: "20110303", policy: "lr-mmt-1.2" }],
  run(params) {
    const file = join(REPO_ROOT, "scenarios/consolidation/planetlab", `${params.policy}.yaml`);
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const spec = loadScenarioFile(file);
    const results = runScenario(spec);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(c0);
    const energy = results.metrics.find((m) => m.name === "energy")?.value ?? Number.NaN;
    return [
      { metric: "wall_s", value: Number(wall.toFixed(3)), unit: "s" },
      { metric: "cpu_s", value: Number(((cpu.user + cpu.system) / 1e6).toFixed(3)), unit: "s" },
      { metric: "peak_rss_mb", value: Math.round(process.resourceUsage().maxRSS / 1024), unit: "MB" },
      { metric: "energy_kwh", value: Number(energy), unit: "kWh" },
      { metric: "events", value: results.run.events, unit: "1" },
    ];
  },
};
