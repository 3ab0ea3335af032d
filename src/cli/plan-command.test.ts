import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Results } from "../run/results.js";
import { REPO, tempDir, xenlab } from "../test-support/cli-harness.js";

const EXAMPLE = join(REPO, "scenarios/consolidation/tpcw-specweb.yaml");

/** A small plan whose check runs in well under a second. */
const SMALL = `name: small-plan
host: { units: 4 }
power:
  dedicated: { idle: 100W, peak: 200W }
  consolidated: { idle: 100W, peak: 200W, idle_scale: 0.91 }
services:
  - name: a
    profile: { rate: 100/s, shape: [1, 0.5, 0.2, 0.5] }
    service_time: 30ms
    dedicated: { servers: auto, slots: 4 }
    loss_target: 1e-2
  - name: b
    profile: { rate: 100/s, shape: [0.2, 0.5, 1, 0.5] }
    service_time: 30ms
    dedicated: { servers: auto, slots: 4 }
    loss_target: 1e-2
    overhead: 0.1
hours: 4
check: { seed: 3, max_arrivals: 60000, min_losses: 100, batches: 10 }
`;

let dir: string;
let small: string;

beforeAll(() => {
  dir = tempDir();
  small = join(dir, "small.yaml");
  writeFileSync(small, SMALL);
});

describe("xenlab plan", () => {
  it("teaches with --help and examples", () => {
    const r = xenlab(["plan", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n\s+\$ xenlab plan /);
  });

  it("plans the worked example: prints the bound and savings, writes results.json and report.html", () => {
    const out = join(dir, "example");
    const r = xenlab(["plan", EXAMPLE, "--no-check", "--out", out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("22 dedicated servers -> 15 Xen hosts (31.8% saved)");
    expect(r.stdout).toContain("Consolidation bound and savings");
    expect(r.stdout).toContain("Sensitivity: peaks aligned");
    expect(r.stdout).toContain(`report:  ${join(out, "report.html")}`);
    const results = Results.parse(JSON.parse(readFileSync(join(out, "results.json"), "utf8")));
    const bound = results.metrics.find((m) => m.entity === "plan" && m.name === "hosts.bound");
    expect(bound?.value).toBe(15);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain("Servers and hosts needed per hour");
    expect(html).not.toMatch(/<script[^>]+src=/i);
  });

  it("checks by simulation, byte-identical for a seed, with analytic and simulated loss side by side", () => {
    const a = join(dir, "det-a");
    const b = join(dir, "det-b");
    const ra = xenlab(["plan", small, "--out", a, "--format", "json"]);
    expect(ra.code).toBe(0);
    expect(xenlab(["plan", small, "--out", b, "--quiet"]).code).toBe(0);
    for (const f of ["results.json", "report.html"])
      expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
    const results = Results.parse(JSON.parse(ra.stdout));
    const check = results.tables.find((t) => t.id === "plan-check");
    expect(check?.rows.length).toBe(6);
    const m = results.metrics.filter((x) => x.entity.startsWith("check/"));
    expect(m.length).toBe(6);
    for (const x of m) {
      expect(x.expected).toBeGreaterThan(0);
      expect(x.ci95).toBeGreaterThan(0);
    }
    const c = join(dir, "det-c");
    expect(xenlab(["plan", small, "--out", c, "--quiet", "--seed", "4"]).code).toBe(0);
    expect(readFileSync(join(a, "results.json")).equals(readFileSync(join(c, "results.json")))).toBe(false);
  });

  it("reports bad plan files with file:line:column and exit code 2, no stack trace", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, SMALL.replace("loss_target: 1e-2\n  - name: b", "loss_target: 2\n  - name: b"));
    const r = xenlab(["plan", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${bad}:11:18 services[0].loss_target: expected a probability in (0, 1], got 2\n`);
    const short = join(dir, "short.yaml");
    writeFileSync(short, SMALL.replace("shape: [0.2, 0.5, 1, 0.5]", "shape: [0.2, 0.5, 1]"));
    const r2 = xenlab(["plan", short]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toBe(
      `${short}:13:36 services[1].profile.shape: expected 4 hourly values (hours: 4), got 3\n`,
    );
    expect(xenlab(["plan", join(dir, "nope.yaml")]).stderr).toMatch(/cannot read plan: no such file/);
    expect(xenlab(["plan"]).code).toBe(2);
    expect(xenlab(["plan", small, "--format", "xml"]).stderr).toMatch(
      /--format: expected one of table, json, csv/,
    );
  });

  it("speaks jq: reads a CSV profile written by jq's @csv and gives JSON that jq queries", () => {
    // jq (Debian package jq, scripts/apt-packages.txt) writes RFC 4180 CSV with quoted strings.
    const csv = execFileSync("jq", ["-r", '["hour","rate"], (range(4) as $h | [$h, 100 + 10 * $h]) | @csv'], {
      input: "null",
      encoding: "utf8",
    });
    expect(csv.split("\n")[0]).toBe('"hour","rate"');
    writeFileSync(join(dir, "a.csv"), csv);
    const plan = join(dir, "jq.yaml");
    writeFileSync(
      plan,
      SMALL.replace("profile: { rate: 100/s, shape: [1, 0.5, 0.2, 0.5] }", "profile: { csv: a.csv }"),
    );
    const r = xenlab(["plan", plan, "--no-check", "--format", "json", "--out", join(dir, "jq-out")]);
    expect(r.code).toBe(0);
    const bound = execFileSync(
      "jq",
      ["-r", '.metrics[] | select(.entity == "plan" and .name == "hosts.bound") | .value'],
      {
        input: r.stdout,
        encoding: "utf8",
      },
    );
    expect(Number(bound.trim())).toBeGreaterThan(0);
    const rates = execFileSync(
      "jq",
      ["-c", '.charts[] | select(.id == "plan-arrivals") | .series[0].points | map(.[1])'],
      {
        input: r.stdout,
        encoding: "utf8",
      },
    );
    expect(JSON.parse(rates)).toEqual([100, 110, 120, 130]);
  });

  it("prints the plan format as JSON Schema, equal to schemas/plan.schema.json", () => {
    const r = xenlab(["plan", "--schema"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(REPO, "schemas/plan.schema.json"), "utf8"));
  });
});
