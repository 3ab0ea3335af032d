/**
 * xenstore benchmarks over the Unix socket (issue 5): `xenstore.read`, `xenstore.write`,
 * `xenstore.directory` (many concurrent clients, closed loop) and
 * `xenstore.watch_fanout` (1000 watches, one writer). Metrics `ops_per_s` and `p99_us`
 * for xenlab's daemon; when Xen's C xenstored can be started here (see
 * xenstore-daemons.ts), the same load on it gives `c_ops_per_s`, `c_p99_us` and
 * `ratio_vs_c` (xenlab ops/s divided by C ops/s). Goal: >= 50k reads/s on this machine.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Bench, BenchMeasurement, BenchParams } from "./bench-types.js";
import { type RunningDaemon, startCXenstored, startXenlab } from "./xenstore-daemons.js";
import { fanoutLoad, type LoadResult, prepare, requestLoad, type Workload } from "./xenstore-load.js";

const WARMUP_S = 1;
const MEASURE_S = 3;

async function withDaemons(run: (d: RunningDaemon) => Promise<LoadResult>): Promise<BenchMeasurement[]> {
  const dir = mkdtempSync(join(tmpdir(), "xenlab-xs-bench-"));
  const out: BenchMeasurement[] = [];
  try {
    const ours = await startXenlab(dir);
    let mine: LoadResult;
    try {
      await prepare(ours.socket);
      mine = await run(ours);
    } finally {
      await ours.stop();
    }
    out.push(
      { metric: "ops_per_s", value: Math.round(mine.opsPerS), unit: "1/s" },
      { metric: "p99_us", value: Math.round(mine.p99Us), unit: "us" },
    );
    const c = await startCXenstored(dir);
    if (typeof c === "string") {
      process.stderr.write(`xenstore bench: not compared with C xenstored: ${c}\n`);
      return out;
    }
    let theirs: LoadResult;
    try {
      await prepare(c.socket);
      theirs = await run(c);
    } finally {
      await c.stop();
    }
    out.push(
      { metric: "c_ops_per_s", value: Math.round(theirs.opsPerS), unit: "1/s" },
      { metric: "c_p99_us", value: Math.round(theirs.p99Us), unit: "us" },
      { metric: "ratio_vs_c", value: Number((mine.opsPerS / theirs.opsPerS).toFixed(3)), unit: "1" },
    );
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function requestBench(name: string, workload: Workload): Bench {
  return {
    name,
    cases: [
      { clients: 32, depth: 1 },
      { clients: 32, depth: 8 },
    ],
    run: (p: BenchParams) =>
      withDaemons((d) =>
        requestLoad(d.socket, workload, Number(p.clients), Number(p.depth), WARMUP_S, MEASURE_S),
      ),
  };
}

export const xenstoreRead = requestBench("xenstore.read", "read");
export const xenstoreWrite = requestBench("xenstore.write", "write");
export const xenstoreDirectory = requestBench("xenstore.directory", "directory");

export const xenstoreWatchFanout: Bench = {
  name: "xenstore.watch_fanout",
  cases: [{ watches: 1000, watchers: 10 }],
  run: (p: BenchParams) =>
    withDaemons((d) => fanoutLoad(d.socket, Number(p.watches), Number(p.watchers), WARMUP_S, MEASURE_S)),
};
