/**
 * `xenlab trace summary <file>` and `xenlab trace dump <file>`: read a xentrace file
 * (from `xenlab run` with outputs.trace, or from real Xen's xentrace) and print, from the
 * trace alone, per-domain and per-vCPU runstate totals and wake-latency percentiles, or
 * every record decoded.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { formatTable } from "../report/text-table.js";
import { stableJson } from "../report/write-outputs.js";
import { RUNSTATE_NAMES } from "../xen/runstate.js";
import { traceEventName } from "../xen/trace/trace-ids.js";
import { summarizeTrace, type TraceSummary } from "../xen/trace/trace-summary.js";
import { readXentrace, TraceFormatError } from "../xen/trace/xentrace-reader.js";
import { DOMID_IDLE } from "../xen/xen-ids.js";
import { UsageError } from "./exit-codes.js";

interface SummaryFlags {
  cpuHz: string;
  from?: string;
  to?: string;
  format: string;
}

/** "2.4G", "2400M", "2095999000" (xenalyze's --cpu-hz syntax). */
export function parseHz(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([GMK]?)$/i.exec(s.trim());
  if (!m) throw new UsageError(`--cpu-hz: expected a rate like 2.4G, 2400M or 2400000000, got "${s}"`);
  const mult = { "": 1, K: 1e3, M: 1e6, G: 1e9 }[m[2].toUpperCase() as "" | "K" | "M" | "G"];
  const hz = Math.round(Number(m[1]) * mult);
  if (hz < 1e9) throw new UsageError(`--cpu-hz: expected at least 1G, got "${s}"`);
  return hz;
}

function parseSeconds(flag: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const x = Number(s);
  if (!Number.isFinite(x) || x < 0) throw new UsageError(`${flag}: expected seconds >= 0, got "${s}"`);
  return Math.round(x * 1e9);
}

function readTrace(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(
      `${file}: cannot read the trace file (${(e as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
}

function withFile<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TraceFormatError) throw new UsageError(`${file}: not a xentrace file: ${e.message}`);
    throw e;
  }
}

export function registerTraceCommand(program: Command): void {
  const trace = program.command("trace").description("read XenTrace files (xenlab's or real Xen's)");
  trace
    .command("summary")
    .description("per-domain and per-vCPU runstate totals and wake latencies, from the trace alone")
    .argument("<file>", "a xentrace file")
    .option("--cpu-hz <rate>", "TSC rate of the traced host, as xenalyze's --cpu-hz", "2.4G")
    .option("--from <s>", "start of the window, seconds after the first record", undefined)
    .option("--to <s>", "end of the window (default: the last record)", undefined)
    .option("--format <format>", "table or json", "table")
    .addHelpText(
      "after",
      `
Runnable time is split as xenalyze does: "wake" is runnable after blocking (wake-to-run
latency), "preempt" runnable after being descheduled while running. For a xenlab trace
with --from set to the scenario's warm-up and --to its duration, the numbers equal the
run's own results.json metrics.

Examples:
  $ xenlab trace summary out/default/trace.xentrace
  $ xenlab trace summary out/default/trace.xentrace --from 1 --to 11 --format json
  $ xenlab trace summary real.xentrace --cpu-hz 2.096G`,
    )
    .action((file: string, flags: SummaryFlags) => {
      if (!["table", "json"].includes(flags.format))
        throw new UsageError(`--format: expected table or json, got "${flags.format}"`);
      const clockHz = parseHz(flags.cpuHz);
      const bytes = readTrace(file);
      const s = withFile(file, () =>
        summarizeTrace(bytes, {
          clockHz,
          from: parseSeconds("--from", flags.from),
          to: parseSeconds("--to", flags.to),
        }),
      );
      process.stdout.write(flags.format === "json" ? stableJson(summaryJson(s)) : summaryText(file, s));
    });
  trace
    .command("dump")
    .description("print every record, one per line (pCPU, TSC, event, payload)")
    .argument("<file>", "a xentrace file")
    .option("--limit <n>", "stop after n records")
    .addHelpText(
      "after",
      `
Examples:
  $ xenlab trace dump out/default/trace.xentrace | head
  $ xenlab trace dump real.xentrace --limit 100`,
    )
    .action((file: string, flags: { limit?: string }) => {
      const limit = flags.limit === undefined ? Number.POSITIVE_INFINITY : Number(flags.limit);
      if (!(limit >= 0)) throw new UsageError(`--limit: expected a whole number, got "${flags.limit}"`);
      const bytes = readTrace(file);
      const lines: string[] = [];
      let n = 0;
      withFile(file, () =>
        readXentrace(bytes, (r) => {
          if (n++ >= limit) return;
          const words = Array.from(r.words.subarray(0, r.n), (w) => `0x${w.toString(16).padStart(8, "0")}`);
          lines.push(
            `CPU${r.cpu} ${r.tsc}${r.hasTsc ? "" : "*"} ${traceEventName(r.event)} [ ${words.join(" ")} ]`,
          );
        }),
      );
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}

const S = 1e9;
const MS = 1e6;

function fx(x: number, d = 6): number | null {
  return Number.isFinite(x) ? Number(x.toFixed(d)) : null;
}

function summaryJson(s: TraceSummary) {
  return {
    file: {
      bytes: s.info.bytes,
      windows: s.info.windows,
      records: s.info.records,
      lost: s.info.lost,
      cpus: s.info.cpus,
    },
    clock_hz: s.clockHz,
    from_s: s.from / S,
    to_s: s.to / S,
    vcpus: s.vcpus
      .filter((v) => v.domid !== DOMID_IDLE)
      .map((v) => ({
        domid: v.domid,
        vcpu: v.vcpu,
        time_s: Object.fromEntries(RUNSTATE_NAMES.map((n, i) => [n, v.time[i] / S])),
        wake_latency_s: hist(v.wake),
        runnable_gap_s: hist(v.preempt),
      })),
    volume: Object.fromEntries([...s.volume].sort()),
  };
}

function hist(h: TraceSummary["vcpus"][number]["wake"]) {
  const q = (p: number) => (h.count > 0 ? h.quantile(p) / S : null);
  return { count: h.count, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: h.count > 0 ? h.max / S : null };
}

function summaryText(file: string, s: TraceSummary): string {
  const out = [
    `${file}: ${s.info.records} records in ${s.info.windows} windows, pCPUs ${s.info.cpus.sort((a, b) => a - b).join(",")}, ${s.info.lost} lost`,
    `window ${(s.from / S).toFixed(6)} s to ${(s.to / S).toFixed(6)} s at ${s.clockHz / 1e9} GHz`,
  ];
  const domids = [...new Set(s.vcpus.map((v) => v.domid))]
    .filter((d) => d !== DOMID_IDLE)
    .sort((a, b) => a - b);
  const span = s.to - s.from;
  const rows = domids.map((d) => {
    const vs = s.vcpus.filter((v) => v.domid === d);
    const t = [0, 1, 2, 3].map((i) => vs.reduce((a, v) => a + v.time[i], 0));
    return [
      d,
      vs.length,
      fx(t[0] / S),
      fx(t[1] / S),
      fx(t[2] / S),
      fx(t[3] / S),
      fx(span > 0 ? t[0] / span : Number.NaN, 4),
    ];
  });
  out.push(
    "",
    "Domains",
    formatTable({
      id: "d",
      title: "",
      columns: [
        { name: "domid" },
        { name: "vCPUs" },
        { name: "running", unit: "s" },
        { name: "runnable", unit: "s" },
        { name: "blocked", unit: "s" },
        { name: "offline", unit: "s" },
        { name: "pCPUs" },
      ],
      rows,
    }),
  );
  const vrows = s.vcpus
    .filter((v) => v.domid !== DOMID_IDLE)
    .map((v) => {
      const q = (h: typeof v.wake, p: number) => (h.count > 0 ? fx(h.quantile(p) / MS, 4) : null);
      return [
        `d${v.domid}v${v.vcpu}`,
        fx(v.time[0] / S),
        fx(v.time[1] / S),
        fx(v.time[2] / S),
        fx(v.time[3] / S),
        v.wake.count,
        q(v.wake, 0.5),
        q(v.wake, 0.95),
        q(v.wake, 0.99),
        v.wake.count > 0 ? fx(v.wake.max / MS, 4) : null,
        v.preempt.count,
        q(v.preempt, 0.99),
      ];
    });
  out.push(
    "",
    "vCPUs (wake = runnable after blocking; preempt = runnable after being descheduled)",
    formatTable({
      id: "v",
      title: "",
      columns: [
        { name: "vCPU" },
        { name: "running", unit: "s" },
        { name: "runnable", unit: "s" },
        { name: "blocked", unit: "s" },
        { name: "offline", unit: "s" },
        { name: "wakes" },
        { name: "wake p50", unit: "ms" },
        { name: "wake p95", unit: "ms" },
        { name: "wake p99", unit: "ms" },
        { name: "wake max", unit: "ms" },
        { name: "preempts" },
        { name: "preempt p99", unit: "ms" },
      ],
      rows: vrows,
    }),
    "",
    "Records by event",
    formatTable({
      id: "e",
      title: "",
      columns: [{ name: "event" }, { name: "records" }],
      rows: [...s.volume].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, n]),
    }),
  );
  return `${out.join("\n")}\n`;
}
