import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "./input-issues.js";
import { loadScenarioFile, loadScenarioText } from "./load-scenario.js";

function errorsOf(text: string, file = "scenarios/x.yaml"): string[] {
  try {
    loadScenarioText(text, file);
  } catch (e) {
    if (e instanceof InputError) return e.message.split("\n");
    throw e;
  }
  throw new Error("expected the scenario to be rejected");
}

const MM1 = `name: t
duration: 1s
stations:
  - name: q
    arrivals: { type: poisson, rate: 100/s }
    service: { type: exponential, mean: 1ms }
`;

describe("loadScenarioText", () => {
  it("loads a valid scenario with units converted and defaults applied", () => {
    const s = loadScenarioText(MM1, "t.yaml");
    expect(s.duration).toBe(1e9);
    expect(s.warmup).toBe(0);
    expect(s.seed).toBe(1);
    expect(s.stations[0]).toMatchObject({ name: "q", servers: 1, arrivals: { type: "poisson", rate: 100 } });
    expect(s.outputs).toEqual({ trace: false, report: true });
  });

  it("names file, line, column, field path, what was expected and what was found", () => {
    const text = MM1.replace("mean: 1ms", "mean: ten");
    expect(errorsOf(text)).toEqual([
      'scenarios/x.yaml:6:41 stations[0].service.mean: expected a duration like "10ms", got "ten"',
    ]);
  });

  it("reports every error in the file at once", () => {
    const text = `name: t
duration: soon
seed: -3
stations:
  - name: q
    arrivals: { type: poisson, rate: fast }
    service: { type: exponential, mean: 1ms }
`;
    const errs = errorsOf(text);
    expect(errs).toHaveLength(3);
    expect(errs[0]).toMatch(
      /^scenarios\/x\.yaml:2:11 duration: expected a duration like "10ms", got "soon"$/,
    );
    expect(errs[1]).toMatch(/^scenarios\/x\.yaml:3:7 seed: expected at least 0, got -3$/);
    expect(errs[2]).toMatch(
      /^scenarios\/x\.yaml:6:38 stations\[0\]\.arrivals\.rate: expected a rate like "900\/s", got "fast"$/,
    );
  });

  it("rejects unknown keys with a did-you-mean suggestion", () => {
    const text = MM1.replace("duration: 1s", "duration: 1s\nwarmpu: 1ms");
    expect(errorsOf(text)).toEqual([
      'scenarios/x.yaml:3:1 warmpu: unknown key "warmpu" (did you mean "warmup"?)',
    ]);
  });

  it("suggests the nearest distribution type and lists the allowed ones", () => {
    const text = MM1.replace("type: exponential", "type: exponental");
    const [err] = errorsOf(text);
    expect(err).toContain("stations[0].service.type: expected one of");
    expect(err).toContain('got "exponental" (did you mean "exponential"?)');
  });

  it("reports a missing required field at its parent", () => {
    const text = MM1.replace("    service: { type: exponential, mean: 1ms }\n", "");
    expect(errorsOf(text)).toEqual([
      "scenarios/x.yaml:4:5 stations[0].service: required field is missing: expected a distribution: constant, uniform, exponential, normal, lognormal, pareto or empirical",
    ]);
  });

  it("reports YAML syntax errors with their position", () => {
    const errs = errorsOf("name: t\nduration: [1s\n");
    expect(errs[0]).toMatch(/^scenarios\/x\.yaml:\d+:\d+ /);
  });

  it("reports duplicate keys", () => {
    expect(errorsOf(`${MM1}name: u\n`)[0]).toMatch(/^scenarios\/x\.yaml:7:1 .*unique/i);
  });

  it("expands count into numbered copies and refuses duplicate names", () => {
    const s = loadScenarioText(MM1.replace("  - name: q\n", "  - name: q\n    count: 3\n"), "t.yaml");
    expect(s.stations.map((x) => x.name)).toEqual(["q-1", "q-2", "q-3"]);
    const dup = `${MM1}  - name: q\n    arrivals: 1ms\n    service: 1ms\n`;
    expect(errorsOf(dup)[0]).toContain('stations[1].name: duplicate name "q"');
  });

  it("checks fields against each other: warm-up shorter than the run", () => {
    expect(errorsOf(MM1.replace("duration: 1s", "duration: 1s\nwarmup: 2s"))).toEqual([
      "scenarios/x.yaml:3:9 warmup: expected a warm-up shorter than the duration",
    ]);
  });

  it("checks references: a domain's host must exist", () => {
    const text = `name: t
duration: 1s
hosts: [{ name: h0 }]
domains:
  - { name: web, host: h1, workload: { type: hog } }
`;
    expect(errorsOf(text)).toEqual([
      'scenarios/x.yaml:5:24 domains[0].host: no host named "h1"; hosts are h0',
    ]);
  });

  it("accepts JSON with the same checks", () => {
    const json = JSON.stringify(
      { name: "j", duration: "1s", stations: [{ name: "q", arrivals: "1ms", service: "2 parsecs" }] },
      null,
      2,
    );
    const [err] = errorsOf(json, "x.json");
    expect(err).toMatch(
      /^x\.json:8:18 stations\[0\]\.service: expected a duration like "10ms", got "2 parsecs"$/,
    );
  });

  it("accepts a bare duration as a constant distribution", () => {
    const s = loadScenarioText(
      MM1.replace("service: { type: exponential, mean: 1ms }", "service: 250us"),
      "t.yaml",
    );
    expect(s.stations[0].service).toEqual({ type: "constant", value: 250_000 });
  });
});

describe("xl.cfg import", () => {
  function withCfg(cfg: string, extra = ""): { dir: string; file: string } {
    const dir = mkdtempSync(join(tmpdir(), "xenlab-xlcfg-"));
    writeFileSync(join(dir, "web.cfg"), cfg);
    const file = join(dir, "s.yaml");
    writeFileSync(
      file,
      `name: t\nduration: 1s\nhosts: [{ name: h0, topology: { cores: 4 } }]\ndomains:\n  - xlcfg: web.cfg\n    workload: { type: hog }${extra}\n`,
    );
    return { dir, file };
  }

  it("imports the modelled keys and lets the scenario override them", () => {
    const { file } = withCfg(
      `# a web server\nname = "web"\nmemory = 1024\nvcpus = 2; cpu_weight = 512\ncpus = ["0-1", "2-3,^2"]\ncap = 0x32\nvif = [ 'mac=00:16:3e:00:00:01,bridge=xenbr0,rate=10Mb/s',\n]\non_crash = "preserve"\nkernel = "/boot/vmlinuz"\n`,
      "\n    cpu_weight: 128",
    );
    const s = loadScenarioFile(file);
    expect(s.domains[0]).toMatchObject({
      name: "web",
      memory: 1024 * 2 ** 20,
      vcpus: 2,
      cpu_weight: 128,
      cap: 50,
      cpus: ["0-1", "2-3,^2"],
      vif: ["mac=00:16:3e:00:00:01,bridge=xenbr0,rate=10Mb/s"],
      on_crash: "preserve",
      workload: { type: "hog" },
      source: "web.cfg",
    });
  });

  it("reports xl.cfg errors with the cfg file's own line and column", () => {
    const { file } = withCfg(
      `name = "web"\nvcpus = "two"\ncpu_wieght = 3\non_crash = "presrve"\ncpus = "0-3,x"\nmemory = \n`,
    );
    let msg = "";
    try {
      loadScenarioFile(file);
    } catch (e) {
      msg = (e as Error).message;
    }
    const lines = msg.split("\n");
    expect(lines).toContain('web.cfg:2:1 vcpus: expected a number of vCPUs from 1 to 512, got "two"');
    expect(lines).toContain(
      'web.cfg:3:1 cpu_wieght: unknown xl.cfg key "cpu_wieght" (did you mean "cpu_weight"?)',
    );
    expect(
      lines.some(
        (l) =>
          l.startsWith("web.cfg:4:1 on_crash: expected one of") && l.includes('(did you mean "preserve"?)'),
      ),
    ).toBe(true);
    expect(
      lines.some((l) =>
        l.startsWith('web.cfg:5:1 cpus: expected a CPU list like "0-3,^1": bad CPU list item "x"'),
      ),
    ).toBe(true);
    expect(lines).toContain(
      'web.cfg:6:10 expected a value: a "string", a number or a [list], got end of line',
    );
  });

  it("reports a missing xl.cfg file at the field that names it", () => {
    const { dir, file } = withCfg(`name = "web"\n`);
    writeFileSync(file, `name: t\nduration: 1s\nhosts: [{ name: h0 }]\ndomains:\n  - xlcfg: nope.cfg\n`);
    expect(() => loadScenarioFile(file)).toThrow(
      new RegExp(
        `s\\.yaml:5:12 domains\\[0\\]\\.xlcfg: cannot read xl\\.cfg file "nope\\.cfg" \\(looked for ${dir}/nope\\.cfg\\)`,
      ),
    );
  });
});
