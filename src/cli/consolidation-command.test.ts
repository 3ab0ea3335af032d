import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, REPO, tempDir, xenlab } from "../test-support/cli-harness.js";

/** Runs the CLI with an empty PlanetLab cache, whatever the machine's own cache holds. */
function xenlabNoCache(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: REPO,
    encoding: "utf8",
    env: { ...process.env, XENLAB_PLANETLAB_CACHE: tempDir() },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("xenlab consolidation compare", () => {
  it("runs the chosen policies on a day and prints medians beside the paper's", () => {
    const out = join(tempDir(), "t", "cmp.csv");
    const r = xenlab([
      "consolidation",
      "compare",
      "--policies",
      "npa,dvfs",
      "--days",
      "20110303",
      "--out",
      out,
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\| NPA \| 1 \| 2419\.20 \/ 2419\.20 \(\+0\.0%\)/);
    expect(r.stdout).toMatch(/\| DVFS \| 1 \| 628\.12 \/ 613\.60 \(\+2\.4%\)/);
    expect(readFileSync(out, "utf8").split("\n")[1]).toMatch(/^NPA,20110303,1052,2419\.2,/);
  });

  it("rejects an unknown policy or output format with exit code 2", () => {
    const bad = xenlab(["consolidation", "compare", "--policies", "lr-xyz-1.2"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--policies: "lr-xyz-1\.2" is not a policy/);
    const fmt = xenlab(["consolidation", "compare", "--out", "x.txt"]);
    expect(fmt.code).toBe(2);
    expect(fmt.stderr).toMatch(/--out: expected a \.md, \.csv or \.json file/);
  });

  it("says which days are missing and how to fetch them", () => {
    const r = xenlabNoCache(["consolidation", "compare", "--days", "20110306"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--days: no traces for 20110306 .*xenlab planetlab fetch/);
  });

  it("has help with examples", () => {
    const r = xenlab(["consolidation", "compare", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:/);
  });
});

describe("xenlab planetlab", () => {
  it("lists the bundled day", () => {
    const r = xenlab(["planetlab", "days"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^20110303\s+1052 traces\s+\S+datasets\/planetlab\/20110303$/m);
  });

  it("fetches days into a destination and reports a bad file by name and line (exit 2)", () => {
    const from = tempDir();
    const to = tempDir();
    mkdirSync(join(from, "20110322"));
    writeFileSync(join(from, "20110322", "a b"), "1\n".repeat(288));
    const ok = xenlab(["planetlab", "fetch", "--from", from, "--to", to, "20110322"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^20110322\s+1 traces\s+\S+20110322 \(1 renamed\)$/m);
    mkdirSync(join(from, "20110325"));
    writeFileSync(join(from, "20110325", "vm"), "1\nx\n");
    const bad = xenlab(["planetlab", "fetch", "--from", from, "--to", to, "20110325"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/20110325\/vm:2:1 expected an integer percentage 0\.\.100, got "x"/);
  });
});
