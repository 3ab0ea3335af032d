import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../run/run-scenario.js";
import { loadScenarioText } from "../../scenario/load-scenario.js";
import { tempDir } from "../../test-support/cli-harness.js";
import { MemorySink } from "./byte-sink.js";
import { TRC_SCHED_WAKE, TRC_TRACE_WRAP_BUFFER } from "./trace-ids.js";
import { TraceEventLog } from "./trace-sink.js";
import { summarizeTrace } from "./trace-summary.js";
import { TscClock } from "./tsc.js";
import { decodeXentrace, readXentrace, TraceFormatError } from "./xentrace-reader.js";
import { CPU_CHANGE_HEADER, XentraceWriter } from "./xentrace-writer.js";

const HZ = 2.4e9;
/** The writer's default TSC at time 0: one second of cycles. */
const BASE = HZ;

/** A small busy host: boosts, tickles, steals, preemptions, blocks, yields of every kind. */
const SCENARIO = `
name: tr
seed: 3
duration: 1.5s
warmup: 0.5s
hosts:
  - name: h
    topology: { sockets: 2, cores: 1, threads: 2 }
    xen: { version: "4.3", scheduler: credit }
    dom0: { vcpus: 1 }
domains:
  - { name: audio, workload: { type: periodic, period: 10ms, run: 1ms, offset: 3.3ms } }
  - { name: web, vcpus: 2, workload: { type: requests, arrivals: { type: poisson, rate: 800/s }, service: { type: exponential, mean: 1ms } } }
  - { name: batch, vcpus: 3, workload: { type: hog } }
  - { name: capped, cap: 30, workload: { type: hog } }
outputs: { trace: true }
`;

function runWithTrace() {
  const spec = loadScenarioText(SCENARIO, "tr.yaml");
  const log = new TraceEventLog();
  const files = new Map<string, MemorySink>();
  const results = runScenario(spec, {
    openFile: (name) => {
      const s = new MemorySink();
      files.set(name, s);
      return s;
    },
    extraTrace: () => log,
  });
  return {
    results,
    log,
    bytes: files.get("trace.xentrace")!.bytes(),
    closed: files.get("trace.xentrace")!.closed,
  };
}

const run = runWithTrace();

describe("TscClock", () => {
  it("maps ns to cycles and back exactly for any time and clock rate >= 1 GHz", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 50 }),
        fc.constantFrom(1e9, 2.4e9, 2_095_999_000, 3_333_333_333, 4e9),
        (ns, hz) => {
          const c = new TscClock(hz);
          const tsc = c.toTsc(ns);
          expect(tsc).toBe(Number((BigInt(ns) * BigInt(hz)) / 1_000_000_000n));
          expect(c.toNs(tsc)).toBe(ns);
        },
      ),
    );
  });
});

describe("the XenTrace file of a run", () => {
  it("is complete (closed) and starts with xentrace's CPU_CHANGE window header", () => {
    expect(run.closed).toBe(true);
    const v = new DataView(run.bytes.buffer, run.bytes.byteOffset);
    expect(v.getUint32(0, true)).toBe(0x2001f003);
    expect(CPU_CHANGE_HEADER).toBe(0x2001f003);
    expect(v.getInt32(4, true)).toBe(0);
    expect(v.getUint32(8, true) % 4).toBe(0);
  });

  it("decodes, record by record and pCPU by pCPU, to exactly the run's own event log", () => {
    const { info, records } = decodeXentrace(run.bytes);
    const clock = new TscClock(HZ);
    const log = run.log;
    expect(info.lost).toBe(0);
    expect(records.length).toBe(log.length);
    for (let cpu = 0; cpu < 4; cpu++) {
      // Times come back exact to the ns; the TSC may sit on a later cycle of the same ns
      // (causal ranks, see XentraceWriter.cycleFor), never outside it.
      const fromFile = records
        .filter((r) => r.cpu === cpu)
        .map((r) => ({ cpu, ns: clock.toNs(r.tsc - BASE), event: r.event, words: r.words }));
      const fromLog: typeof fromFile = [];
      for (let i = 0; i < log.length; i++) {
        if (log.cpu[i] !== cpu) continue;
        fromLog.push({ cpu, ns: log.time[i], event: log.event[i], words: log.payload(i) });
      }
      expect(fromFile.length).toBeGreaterThan(100);
      expect(fromFile).toEqual(fromLog);
    }
  });

  it("writes one window per pCPU with new records every 100 ms, as xentrace polls", () => {
    const windows: { cpu: number; first: number }[] = [];
    // Walk the window headers.
    const v = new DataView(run.bytes.buffer, run.bytes.byteOffset, run.bytes.byteLength);
    for (let off = 0; off < run.bytes.length; ) {
      const size = v.getUint32(off + 8, true);
      const tscLo = v.getUint32(off + 16, true);
      const tscHi = v.getUint32(off + 20, true);
      windows.push({ cpu: v.getInt32(off + 4, true), first: tscHi * 2 ** 32 + tscLo });
      off += 12 + size;
    }
    // 1.5 s of run: 15 polls, each writing the pCPUs with data in pCPU order.
    expect(windows.length).toBeGreaterThanOrEqual(15 * 3);
    expect(windows.length).toBeLessThanOrEqual(16 * 4);
    const poll = new TscClock(HZ).toTsc(100e6);
    for (const w of windows) expect(Math.floor((w.first - BASE) / poll)).toBeLessThan(16);
  });

  it("gives, read back by `trace summary`, the run's own runstate times and wake latencies", () => {
    const s = summarizeTrace(run.bytes, { clockHz: HZ, from: 0.5e9, to: 1.5e9 });
    const metric = (e: string, n: string) =>
      run.results.metrics.find((m) => m.entity === e && m.name === n)!.value;
    const names = new Map([
      ["1.0", "audio.0"],
      ["2.0", "web.0"],
      ["2.1", "web.1"],
      ["3.0", "batch.0"],
      ["4.0", "capped.0"],
    ]);
    let checked = 0;
    for (const v of s.vcpus) {
      const name = names.get(`${v.domid}.${v.vcpu}`);
      if (name === undefined) continue;
      const e = `vcpu/${name}`;
      expect(v.time[0] / 1e9).toBe(metric(e, "time.running"));
      expect(v.time[1] / 1e9).toBe(metric(e, "time.runnable"));
      expect(v.time[2] / 1e9).toBe(metric(e, "time.blocked"));
      expect(v.time[3] / 1e9).toBe(metric(e, "time.offline"));
      expect(v.wake.count).toBe(metric(e, "wake_latency.count"));
      if (v.wake.count > 0) {
        expect(v.wake.quantile(0.5) / 1e9).toBe(metric(e, "wake_latency.p50"));
        expect(v.wake.quantile(0.99) / 1e9).toBe(metric(e, "wake_latency.p99"));
        expect(v.wake.max / 1e9).toBe(metric(e, "wake_latency.max"));
      }
      expect(v.preempt.count).toBe(metric(e, "runnable_gap.count"));
      checked++;
    }
    expect(checked).toBe(5);
  });

  it("is read by the real xenalyze, whose per-vCPU running time matches the run", () => {
    const dir = tempDir();
    const file = join(dir, "t.xentrace");
    writeFileSync(file, run.bytes);
    const out = execFileSync("xenalyze", ["-s", file], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(out).toMatch(/Total time: 1\.50 seconds \(using cpu speed 2\.40 GHz\)/);
    // "|-- Domain 3 --|" ... "-- v0 --" ... "   running:  N  T.TTs ..."
    const running = new Map<string, number>();
    let dom = -1;
    let vcpu = -1;
    for (const line of out.split("\n")) {
      const d = /^\|-- Domain (\d+) --\|/.exec(line);
      if (d) dom = Number(d[1]);
      const v = /^-- v(\d+) --/.exec(line);
      if (v) vcpu = Number(v[1]);
      const r = /^\s+running:\s+\d+\s+([\d.]+)s/.exec(line);
      if (r && vcpu >= 0) running.set(`${dom}.${vcpu}`, Number(r[1]));
      if (d) vcpu = -1;
    }
    // Whole-trace totals (xenalyze has no window): compare with the table of the run.
    const xl = run.results.tables.find((t) => t.id.endsWith("xl-vcpu-list"))!;
    let compared = 0;
    for (const row of xl.rows) {
      const key = `${row[1]}.${row[2]}`;
      if (!running.has(key)) continue;
      expect(Math.abs(running.get(key)! - (row[5] as number))).toBeLessThanOrEqual(0.051);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(5);
  });
});

describe("XentraceWriter", () => {
  it("never lets a record straddle the ring's end: a WRAP filler takes the rest, as Xen does", () => {
    const sink = new MemorySink();
    const w = new XentraceWriter(sink, { nrCpus: 1, clockHz: HZ, tbufPages: 1 });
    // 4088 data bytes; 20-byte records (TSC + 2 words) leave 8 bytes at the end after 204.
    for (let i = 0; i < 500; i++) w.rec(0, i * 1000, TRC_SCHED_WAKE, 2, 1, 0, 0, 0, 0);
    w.close();
    const wraps: number[] = [];
    const bytes = sink.bytes();
    const v = new DataView(bytes.buffer);
    let pos = 0;
    let off = 0;
    let records = 0;
    while (off < bytes.length) {
      const size = v.getUint32(off + 8, true);
      const end = off + 12 + size;
      off += 12;
      while (off < end) {
        const h = v.getUint32(off, true);
        const len = 4 + (h & 0x80000000 ? 8 : 0) + 4 * ((h >>> 28) & 7);
        if ((h & 0x0fffffff) === TRC_TRACE_WRAP_BUFFER) wraps.push(pos);
        else records++;
        pos = (pos + len) % 4088;
        off += len;
      }
    }
    expect(records).toBe(500);
    // 4088 = 204 * 20 + 8: each wrap fills 8 bytes at offset 4080 (header + 1 word).
    expect(wraps).toEqual([4080, 4080]);
    expect(readXentrace(bytes, () => {}).wraps).toBe(2);
  });
});

describe("the reader on a real Xen 4.17 trace", () => {
  const real = readFileSync(join(import.meta.dirname, "fixtures/credit2-2hogs-w256-w512.xentrace"));

  it("parses every window and record, with WRAP and LOST_RECORDS handled", () => {
    const info = readXentrace(real, () => {});
    expect(info.bytes).toBe(271_820);
    expect(info.cpus.sort()).toEqual([0, 1]);
    expect(info.windows).toBe(81);
    expect(info.records).toBe(11_863);
    expect(info.wraps).toBeGreaterThanOrEqual(1);
    expect(info.lost).toBeGreaterThan(0);
  });

  it("gives the weight 512 guest twice the CPU of the weight 256 guest (xl showed 20.2 s vs 10.1 s)", () => {
    const s = summarizeTrace(real, { clockHz: 2_095_999_000 });
    const run = (d: number) => s.vcpus.find((v) => v.domid === d && v.vcpu === 0)!.time[0];
    expect(run(2) / run(1)).toBeCloseTo(2, 1);
    expect(s.to / 1e9).toBeCloseTo(4, 0);
  });

  it("rejects a file that is not a xentrace file, saying where", () => {
    expect(() => readXentrace(new TextEncoder().encode("hello, world"), () => {})).toThrow(TraceFormatError);
    expect(() => readXentrace(real.subarray(0, 100), () => {})).toThrow(
      /at byte 8: window of \d+ bytes for pCPU 0 runs past the end/,
    );
  });
});
