#!/usr/bin/env node
/**
 * `npm run bench [-- PREFIX...]`: runs every benchmark whose name starts with one of the
 * prefixes (all when none), each parameter set in its own child process so that peak
 * memory is per case, and prints one JSON object per measurement on stdout:
 * {"bench":"kernel.hold","params":{"n":100000},"metric":"events_per_s","value":1.2e7,"unit":"1/s","peak_rss_mb":80}
 * Progress goes to stderr.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BENCHES } from "./bench-registry.js";
import type { BenchMeasurement } from "./bench-types.js";

const CHILD_FLAG = "--child";

async function runChild(name: string, index: number): Promise<void> {
  const bench = BENCHES.find((b) => b.name === name);
  if (!bench) throw new Error(`no benchmark ${name}`);
  const results = await bench.run(bench.cases[index]);
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(JSON.stringify({ results, peakRssMb }));
}

function runParent(prefixes: string[]): number {
  const selected = BENCHES.filter((b) => prefixes.length === 0 || prefixes.some((p) => b.name.startsWith(p)));
  if (selected.length === 0) {
    process.stderr.write(
      `no benchmark matches ${prefixes.join(", ")}; known: ${BENCHES.map((b) => b.name).join(", ")}\n`,
    );
    return 2;
  }
  const self = fileURLToPath(import.meta.url);
  let failures = 0;
  for (const bench of selected) {
    bench.cases.forEach((params, index) => {
      process.stderr.write(`bench ${bench.name} ${JSON.stringify(params)}\n`);
      try {
        const out = execFileSync(process.execPath, [self, CHILD_FLAG, bench.name, String(index)], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "inherit"],
          maxBuffer: 64 * 1024 * 1024,
        });
        const { results, peakRssMb } = JSON.parse(out) as { results: BenchMeasurement[]; peakRssMb: number };
        for (const r of results) {
          const line = {
            bench: bench.name,
            params,
            metric: r.metric,
            value: r.value,
            unit: r.unit,
            peak_rss_mb: peakRssMb,
          };
          process.stdout.write(`${JSON.stringify(line)}\n`);
        }
      } catch (e) {
        failures++;
        process.stderr.write(`bench ${bench.name} failed: ${(e as Error).message}\n`);
      }
    });
  }
  return failures > 0 ? 1 : 0;
}

const args = process.argv.slice(2);
if (args[0] === CHILD_FLAG) {
  await runChild(args[1], Number(args[2]));
} else {
  process.exitCode = runParent(args);
}
