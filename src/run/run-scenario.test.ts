import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../scenario/input-issues.js";
import { loadScenarioFile, loadScenarioText } from "../scenario/load-scenario.js";
import { REPO } from "../test-support/cli-harness.js";
import { Results } from "./results.js";
import { runScenario } from "./run-scenario.js";

describe("the kernel validation scenario (scenarios/kernel/mm1-check.yaml)", () => {
  const results = runScenario(loadScenarioFile(join(REPO, "scenarios/kernel/mm1-check.yaml")));
  const metric = (entity: string, name: string) =>
    results.metrics.find((m) => m.entity === entity && m.name === name)!;

  it("matches the results schema", () => {
    expect(() => Results.parse(results)).not.toThrow();
  });

  it("M/M/1 at 80% load: mean response within 2% of 1/(mu - lambda) = 5 ms over 2000 s", () => {
    const w = metric("station/mm1", "response_time.mean");
    expect(w.expected).toBeCloseTo(0.005, 12);
    expect(Math.abs(w.value! / 0.005 - 1)).toBeLessThan(0.02);
    // The run's own 95% interval must be tight enough for the 2% claim to mean something.
    expect(w.ci95!).toBeLessThan(0.02 * 0.005);
  });

  it("M/M/2/4: loss probability within its confidence of the birth-death chain", () => {
    const loss = metric("station/mm2-lossy", "loss_probability");
    expect(Math.abs(loss.value! - loss.expected!)).toBeLessThan(0.003);
  });

  it("utilisation matches lambda / mu", () => {
    expect(metric("station/mm1", "utilisation").value!).toBeCloseTo(0.8, 2);
  });
});

describe("runScenario", () => {
  it("says plainly that the Credit2 and RTDS schedulers are not built yet", () => {
    const spec = loadScenarioText(
      "name: x\nduration: 1s\nhosts: [{ name: h, xen: { scheduler: credit2 } }]\n",
      "x.yaml",
    );
    expect(() => runScenario(spec)).toThrow(InputError);
    expect(() => runScenario(spec)).toThrow(
      /^x hosts\[0\]\.xen\.scheduler: the credit2 scheduler is not built yet/,
    );
  });

  it("reports progress in chunks up to the end of the run", () => {
    const spec = loadScenarioText(
      readFileSync(join(REPO, "scenarios/kernel/mm1-check.yaml"), "utf8")
        .replace("2000s", "2s")
        .replace("10s", "0"),
      "d.yaml",
    );
    const seen: number[] = [];
    runScenario(spec, { onProgress: (t) => seen.push(t) });
    expect(seen.at(-1)).toBe(2e9);
    expect(seen.length).toBeGreaterThan(100);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });
});
