import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planConsolidation } from "../plan/plan.js";
import { PlanError } from "../plan/plan-types.js";
import { InputError } from "./input-issues.js";
import { loadPlanFile, loadPlanText } from "./plan-file.js";
import { parseCsv } from "./rate-csv.js";

const HOURS24 = "[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]";

/** A valid plan; `edit` replaces lines to break it. */
function planText(edit: (lines: string[]) => string[] = (l) => l): string {
  const lines = [
    "name: p", // 1
    "host: { units: 8 }", // 2
    "power:", // 3
    "  dedicated: { idle: 150W, peak: 250W }", // 4
    "  consolidated: { preset: hp-ml110-g5, idle_scale: 0.91 }", // 5
    "services:", // 6
    "  - name: db", // 7
    "    rate: 100/s", // 8
    "    service_time: 40ms", // 9
    "    dedicated: { servers: 2, slots: 8 }", // 10
    "  - name: web", // 11
    `    profile: { rate: 200/s, shape: ${HOURS24} }`, // 12
    "    service_time: 20ms", // 13
    "    dedicated: { servers: auto, slots: 8 }", // 14
    "    loss_target: 1e-3", // 15
    "    overhead: 0.05", // 16
  ];
  return `${edit(lines).join("\n")}\n`;
}

function errorsOf(text: string, file = "plan.yaml"): string[] {
  try {
    loadPlanText(text, file);
  } catch (e) {
    if (e instanceof InputError) return e.message.split("\n");
    throw e;
  }
  return [];
}

describe("plan file", () => {
  it("loads a valid plan into the planner's input, in base units", () => {
    const p = loadPlanText(planText(), "plan.yaml").input;
    expect(p.hours).toBe(24);
    expect(p.qos).toBe("dedicated");
    expect(p.services[0]).toMatchObject({
      name: "db",
      serviceTime: 0.04,
      servers: 2,
      slots: 8,
      units: 1,
      overhead: 0,
    });
    expect(p.services[0].rates).toEqual(Array(24).fill(100));
    expect(p.services[1]).toMatchObject({ servers: null, lossTarget: 1e-3, overhead: 0.05 });
    expect(p.services[1].rates[5]).toBe(200);
    expect(p.power.dedicated).toEqual({ kind: "linear", idle: 150, peak: 250, idleScale: null });
    expect(p.power.consolidated).toMatchObject({ kind: "table", name: "hp-ml110-g5", idleScale: 0.91 });
    expect(p.check).toBeNull();
  });

  it("names a negative rate with its line, column and field", () => {
    const errs = errorsOf(planText((l) => l.map((x) => x.replace("rate: 100/s", "rate: -5/s"))));
    expect(errs).toEqual(['plan.yaml:8:11 services[0].rate: expected a rate like "900/s", got "-5/s"']);
  });

  it("names a loss target above 1", () => {
    const errs = errorsOf(planText((l) => l.map((x) => x.replace("loss_target: 1e-3", "loss_target: 1.5"))));
    expect(errs).toEqual([
      "plan.yaml:15:18 services[1].loss_target: expected a probability in (0, 1], got 1.5",
    ]);
  });

  it("names a profile with the wrong number of hours", () => {
    const errs = errorsOf(planText((l) => l.map((x) => x.replace(`${HOURS24}`, "[1, 2, 3]"))));
    expect(errs).toEqual([
      "plan.yaml:12:36 services[1].profile.shape: expected 24 hourly values (hours: 24), got 3",
    ]);
  });

  it("reports every problem at once, in file order, with did-you-mean for misspelt keys", () => {
    const errs = errorsOf(
      planText((l) => [
        ...l.slice(0, 8),
        "    service_tme: 40ms",
        l[9],
        ...l.slice(10).map((x) => x.replace("overhead: 0.05", "overhead: 1.2")),
      ]),
    );
    expect(errs).toEqual([
      'plan.yaml:9:5 services[0].service_tme: unknown key "service_tme" (did you mean "service_time"?)',
      "plan.yaml:16:15 services[1].overhead: expected a fraction in [0, 1), got 1.2",
    ]);
  });

  it("takes a service rate instead of a service time, but not both and not neither", () => {
    const rate = loadPlanText(
      planText((l) => l.map((x) => x.replace("service_time: 40ms", "service_rate: 25/s"))),
      "plan.yaml",
    );
    expect(rate.input.services[0].serviceTime).toBeCloseTo(0.04, 15);
    expect(errorsOf(planText((l) => l.filter((x) => !x.includes("service_time: 40ms"))))).toEqual([
      "plan.yaml:7:5 services[0]: expected exactly one of service_time (mean) or service_rate (per slot)",
    ]);
    expect(
      errorsOf(planText((l) => l.map((x) => x.replace("service_time: 40ms", "service_time: 0")))),
    ).toEqual(["plan.yaml:9:19 services[0].service_time: expected a service time > 0"]);
  });

  it("checks fields against each other", () => {
    const errs = errorsOf(
      planText((l) => [
        "reservation: 2",
        ...l.map((x) =>
          x
            .replace("name: web", "name: db")
            .replace(
              "dedicated: { servers: 2, slots: 8 }",
              "dedicated: { servers: auto, slots: 8 }\n    units: 9\n    profile: { rates: [1/s] }",
            ),
        ),
      ]),
    );
    expect(errs).toEqual([
      "plan.yaml:1:14 reservation: reservation protects critical services: mark at least one service priority: critical",
      "plan.yaml:8:5 services[0]: expected exactly one of rate (constant) or profile (hourly)",
      'plan.yaml:11:27 services[0].dedicated.servers: servers: "auto" sizes the cluster for loss_target: add a loss_target',
      "plan.yaml:12:12 services[0].units: a request of 9 units cannot fit a host of 8 units (host.units)",
      'plan.yaml:14:11 services[1].name: duplicate name "db" (also services[0])',
    ]);
  });

  it("asks for one power form, and for loss targets under qos: target", () => {
    const errs = errorsOf(
      planText((l) => [
        "qos: target",
        ...l.map((x) => x.replace("{ idle: 150W, peak: 250W }", "{ idle: 150W, preset: hp-ml110-g4 }")),
      ]),
    );
    expect(errs).toEqual([
      "plan.yaml:5:14 power.dedicated: expected exactly one of {idle, peak}, table, or preset",
      "plan.yaml:8:5 services[0]: qos: target needs a loss_target on every service",
    ]);
  });

  it("reads a CSV profile beside the plan, and points into the CSV for a bad cell", () => {
    const dir = mkdtempSync(join(tmpdir(), "xenlab-plan-"));
    const rows = Array.from({ length: 24 }, (_, h) => `${h},"${60 + h}"`);
    writeFileSync(join(dir, "web.csv"), `hour,rate\r\n${rows.join("\r\n")}\r\n`);
    const withCsv = planText((l) =>
      l.map((x) => (x.startsWith("    profile:") ? "    profile: { csv: web.csv, unit: /min }" : x)),
    );
    writeFileSync(join(dir, "plan.yaml"), withCsv);
    const p = loadPlanFile(join(dir, "plan.yaml")).input;
    expect(p.services[1].rates[0]).toBeCloseTo(1, 12); // 60/min
    expect(p.services[1].rates[23]).toBeCloseTo(83 / 60, 12);

    writeFileSync(join(dir, "bad.csv"), "hour,rate\n0,5\n1,lots\n2,-1\n");
    writeFileSync(join(dir, "bad.yaml"), withCsv.replace("web.csv", "bad.csv"));
    expect(() => loadPlanFile(join(dir, "bad.yaml"))).toThrow(
      'bad.csv:3:3 rate: expected a rate >= 0 (a number), got "lots"\nbad.csv:4:3 rate: expected a rate >= 0 (a number), got "-1"',
    );
    writeFileSync(join(dir, "short.csv"), "hour,rps\n0,5\n");
    writeFileSync(
      join(dir, "short.yaml"),
      withCsv.replace("web.csv", "short.csv").replace("unit: /min", "column: rps"),
    );
    expect(() => loadPlanFile(join(dir, "short.yaml"))).toThrow(
      /short\.yaml:12:21 services\[1\]\.profile\.csv: expected 24 hourly values \(hours: 24\), got 1/,
    );
    writeFileSync(join(dir, "missing.yaml"), withCsv.replace("web.csv", "nope.csv"));
    expect(() => loadPlanFile(join(dir, "missing.yaml"))).toThrow(
      /services\[1\]\.profile\.csv: cannot read CSV file "nope\.csv"/,
    );
    writeFileSync(join(dir, "col.yaml"), withCsv.replace("unit: /min", "column: rps"));
    expect(() => loadPlanFile(join(dir, "col.yaml"))).toThrow(
      /web\.csv:1:1 no column "rps" in the header; columns are "hour", "rate"/,
    );
  });

  it("locates a planner failure at the field it blames", () => {
    const loaded = loadPlanText(
      planText((l) => [...l.slice(0, 1), "host: { units: 8, max_hosts: 1 }", ...l.slice(2)]),
      "plan.yaml",
    );
    let err: unknown;
    try {
      planConsolidation(loaded.input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlanError);
    expect(loaded.toInputError(err as PlanError).message).toMatch(
      /^plan\.yaml:2:30 host\.max_hosts: no number of hosts up to max_hosts = 1/,
    );
  });
});

describe("CSV reader", () => {
  it("parses quotes, doubled quotes, CRLF and blank lines with positions", () => {
    const rows = parseCsv('a,"b ""q"", c"\r\n\r\n1,2\n');
    expect(rows.map((r) => r.map((c) => c.text))).toEqual([
      ["a", 'b "q", c'],
      ["1", "2"],
    ]);
    expect(rows[1][1]).toMatchObject({ line: 3, column: 3 });
  });
});
