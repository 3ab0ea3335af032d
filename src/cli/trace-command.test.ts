import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, tempDir, xenlab } from "../test-support/cli-harness.js";

const REAL = join(REPO, "src/xen/trace/fixtures/credit2-2hogs-w256-w512.xentrace");

describe("xenlab trace", () => {
  it("summarises a real Xen 4.17 trace per domain and vCPU", () => {
    const r = xenlab(["trace", "summary", REAL, "--cpu-hz", "2.095999G"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("11863 records in 81 windows, pCPUs 0,1");
    expect(r.stdout).toMatch(/^d2v0\s+2\.66/m);
    expect(r.stdout).toContain("csched2:credit_burn");
    const j = JSON.parse(
      xenlab(["trace", "summary", REAL, "--format", "json", "--cpu-hz", "2095999000"]).stdout,
    );
    const d1 = j.vcpus.find((v: { domid: number }) => v.domid === 1);
    const d2 = j.vcpus.find((v: { domid: number }) => v.domid === 2);
    expect(d2.time_s.running / d1.time_s.running).toBeCloseTo(2, 1);
  });

  it("dumps records one per line", () => {
    const r = xenlab(["trace", "dump", REAL, "--limit", "3"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(3);
    expect(r.stdout).toMatch(/^CPU0 \d+ lost_records \[ 0x/m);
  });

  it("exits 2 with the byte offset for a file that is not a trace", () => {
    const dir = tempDir();
    const bad = join(dir, "bad.xentrace");
    writeFileSync(bad, "not a trace at all");
    const r = xenlab(["trace", "summary", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /bad\.xentrace: not a xentrace file: at byte 0: expected a TRC_TRACE_CPU_CHANGE/,
    );
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(xenlab(["trace", "summary", bad, "--cpu-hz", "fast"]).code).toBe(2);
  });

  it("`xenlab run` writes the trace and console log, and the summary reproduces the run", () => {
    const dir = tempDir();
    const scen = join(dir, "h.yaml");
    writeFileSync(
      scen,
      `name: h
duration: 1s
warmup: 0.2s
hosts:
  - name: h0
    topology: { cores: 2 }
    xen: { version: "4.1" }
    debug_keys: [{ at: 0.5s, key: r }]
domains:
  - { name: io, workload: { type: phases, phases: [{ run: 1ms, block: 3ms }] } }
  - { name: hog, vcpus: 2, workload: { type: hog } }
outputs: { trace: true }
`,
    );
    const out = join(dir, "out");
    const r = xenlab(["run", scen, "--out", out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/trace: +.*trace\.xentrace/);
    expect(readFileSync(join(out, "console.log"), "utf8")).toContain(
      "(XEN) 'r' pressed -> dumping run queues",
    );
    expect(existsSync(join(out, "trace.xentrace.tmp-"))).toBe(false);
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    const s = JSON.parse(
      xenlab([
        "trace",
        "summary",
        join(out, "trace.xentrace"),
        "--from",
        "0.2",
        "--to",
        "1",
        "--format",
        "json",
      ]).stdout,
    );
    const io = s.vcpus.find((v: { domid: number }) => v.domid === 1);
    const m = (n: string) =>
      results.metrics.find((x: { entity: string; name: string }) => x.entity === "vcpu/io.0" && x.name === n)
        .value;
    expect(io.time_s.running).toBe(m("time.running"));
    expect(io.wake_latency_s.count).toBe(m("wake_latency.count"));
    expect(io.wake_latency_s.p99).toBe(m("wake_latency.p99"));
  });
});
