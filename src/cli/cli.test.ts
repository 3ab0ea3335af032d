import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Results } from "../run/results.js";
import { REPO, tempDir, xenlab } from "../test-support/cli-harness.js";

const SMALL = `name: small
seed: 4
duration: 20s
warmup: 1s
stations:
  - name: q
    arrivals: { type: poisson, rate: 500/s }
    service: { type: exponential, mean: 1ms }
`;

let dir: string;
let scenario: string;

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function expectNoStackTrace(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
}

beforeAll(() => {
  dir = tempDir();
  scenario = write("small.yaml", SMALL);
});

describe("xenlab CLI", () => {
  it("prints its version", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
    const r = xenlab(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("teaches with --help on every command, with an example", () => {
    for (const args of [["--help"], ["run", "--help"], ["validate", "--help"], ["schema", "--help"]]) {
      const r = xenlab(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Examples?:\n\s+\$ xenlab /);
    }
  });

  it("runs a scenario: prints the summary and where results and report went", () => {
    const out = join(dir, "out1");
    const r = xenlab(["run", scenario, "--out", out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Queueing stations");
    expect(r.stdout).toContain(`report:  ${join(out, "report.html")}`);
    const results = Results.parse(JSON.parse(readFileSync(join(out, "results.json"), "utf8")));
    expect(results.scenario.seed).toBe(4);
    const run = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as { wall_s: number };
    expect(run.wall_s).toBeGreaterThan(0);
  });

  it("gives byte-identical results.json and report.html for the same seed, and different for another", () => {
    const a = join(dir, "det-a");
    const b = join(dir, "det-b");
    const c = join(dir, "det-c");
    expect(xenlab(["run", scenario, "--out", a, "--quiet"]).code).toBe(0);
    expect(xenlab(["run", scenario, "--out", b, "--quiet"]).code).toBe(0);
    expect(xenlab(["run", scenario, "--out", c, "--quiet", "--seed", "5"]).code).toBe(0);
    for (const f of ["results.json", "report.html"]) {
      expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f)))).toBe(true);
    }
    expect(readFileSync(join(a, "results.json")).equals(readFileSync(join(c, "results.json")))).toBe(false);
  });

  it("writes a self-contained report: no external scripts, styles or fetches", () => {
    const out = join(dir, "out-html");
    expect(xenlab(["run", scenario, "--out", out, "--quiet"]).code).toBe(0);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).toContain("echarts");
    expect(html).toContain('id="xenlab-results"');
  });

  it("prints json and csv formats", () => {
    const out = join(dir, "out-fmt");
    const j = xenlab(["run", scenario, "--out", out, "--format", "json"]);
    expect(Results.parse(JSON.parse(j.stdout)).schema).toBe("xenlab.results/1");
    const c = xenlab(["run", scenario, "--out", out, "--format", "csv"]);
    expect(c.stdout.split("\n")[0]).toBe("entity,metric,value,unit,ci95,expected");
    expect(c.stdout).toContain("station/q,response_time.mean,");
  });

  it("prints the JSON Schemas, identical to the files in schemas/", () => {
    for (const which of ["scenario", "results"]) {
      const r = xenlab(["schema", which]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(readFileSync(join(REPO, `schemas/${which}.schema.json`), "utf8"));
    }
  });

  it("validates many files, reporting every problem with exit code 2", () => {
    const bad = write(
      "bad.yaml",
      SMALL.replace("20s", "twenty").replace("    service:", "    sevrers: 2\n    service:"),
    );
    const r = xenlab(["validate", scenario, bad]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`ok ${scenario} (small)`);
    expect(r.stderr).toContain(`${bad}:3:11 duration: expected a duration like "10ms", got "twenty"`);
    expect(r.stderr).toContain(
      `${bad}:8:5 stations[0].sevrers: unknown key "sevrers" (did you mean "servers"?)`,
    );
    expectNoStackTrace(r.stderr);
  });
});

describe("xenlab CLI errors", () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    [
      "a missing file",
      () => ["run", join(dir, "nope.yaml")],
      /nope\.yaml cannot read scenario: no such file/,
    ],
    [
      "a YAML syntax error",
      () => ["run", write("syn.yaml", "name: x\nduration: [1s\n")],
      /syn\.yaml:\d+:\d+ /,
    ],
    [
      "a schema error",
      () => ["run", write("sch.yaml", SMALL.replace("mean: 1ms", "mean: 1 fortnight"))],
      /sch\.yaml:8:41 stations\[0\]\.service\.mean: expected a duration like "10ms", got "1 fortnight"/,
    ],
    [
      "an unknown key",
      () => ["run", write("key.yaml", `${SMALL}outputz: {}\n`)],
      /key\.yaml:9:1 outputz: unknown key "outputz" \(did you mean "outputs"\?\)/,
    ],
    [
      "a bad xl.cfg",
      () => {
        write("g.cfg", 'name = "g"\nvcpus = 0\n');
        return [
          "run",
          write("xl.yaml", "name: x\nduration: 1s\nhosts: [{ name: h }]\ndomains: [{ xlcfg: g.cfg }]\n"),
        ];
      },
      /g\.cfg:2:1 vcpus: expected a number of vCPUs from 1 to 512, got 0/,
    ],
    [
      "a bad --seed",
      () => ["run", scenario, "--seed", "x1"],
      /--seed: expected a whole number >= 0, got "x1"/,
    ],
    [
      "a bad --format",
      () => ["run", scenario, "--format", "xml"],
      /--format: expected one of table, json, csv, got "xml"/,
    ],
    ["an unknown option", () => ["run", scenario, "--sede", "1"], /unknown option '--sede'/],
    ["an unknown command", () => ["rnu", scenario], /unknown command 'rnu'/],
    ["a missing argument", () => ["run"], /missing required argument 'scenario'/],
  ];
  for (const [what, args, pattern] of cases) {
    it(`exits 2 without a stack trace for ${what}`, () => {
      const r = xenlab(args());
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expectNoStackTrace(r.stderr);
    });
  }

  it("exits 1 when the run cannot write its output, and --debug shows the stack", () => {
    const blocker = write("file-not-dir", "x");
    const r = xenlab(["run", scenario, "--out", join(blocker, "sub")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ENOTDIR/);
    expectNoStackTrace(r.stderr);
    const d = xenlab(["run", scenario, "--out", join(blocker, "sub"), "--debug"]);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/^\s+at /m);
  });
});
