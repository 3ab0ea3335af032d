/**
 * Loads a scenario file: YAML or JSON syntax, the schema, xl.cfg imports, and the checks
 * that span fields (references, unique names, warm-up shorter than the run). Every
 * problem found is reported together in one InputError; nothing runs on a bad file.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { resolveDatacenter } from "./datacenter-schema.js";
import { InputError, type InputIssue, type PathSegment } from "./input-issues.js";
import { scenarioJsonSchema } from "./json-schema.js";
import { byPosition, parseWithSchema, readInputFile } from "./load-yaml.js";
import { checkPcieSection } from "./pcie-section.js";
import {
  type DomainParsed,
  type DomainSpec,
  type HostSpec,
  Scenario,
  type ScenarioParsed,
  type ScenarioSpec,
  type StationSpec,
} from "./scenario-schema.js";
import { importXlCfg, type XlDomain } from "./xlcfg.js";

const DEFAULT_DOMAIN_MEMORY = 512 * 2 ** 20;

/** Reads and loads a scenario file; throws InputError listing every problem. */
export function loadScenarioFile(file: string): ScenarioSpec {
  return loadScenarioText(readInputFile(file, "scenario"), file, file);
}

/** Loads scenario text; `file` names it in messages, `path` (if any) anchors xl.cfg imports. */
export function loadScenarioText(text: string, file: string, path: string | null = null): ScenarioSpec {
  const loaded = parseWithSchema(file, text, Scenario, scenarioJsonSchema, "scenario");
  const s = loaded.value;
  const found: InputIssue[] = [];
  const at = (p: readonly PathSegment[], message: string, code: InputIssue["code"] = "value"): void => {
    found.push(loaded.issue(p, message, code));
  };
  if (s.duration <= 0) at(["duration"], "expected a duration > 0");
  if (s.warmup >= s.duration && s.duration > 0)
    at(["warmup"], "expected a warm-up shorter than the duration");
  if (s.stations.length === 0 && s.hosts.length === 0 && s.pcie === undefined && s.datacenter === undefined) {
    at([], "nothing to simulate: add stations, hosts, pcie or a datacenter", "missing");
  }
  if (s.pcie !== undefined) checkPcieSection(s.pcie, s.duration, at);
  const datacenter = s.datacenter === undefined ? null : resolveDatacenter(s.datacenter, path, at);
  const stations = expand(s.stations, ["stations"], at);
  const hosts = expand(s.hosts, ["hosts"], at);
  const imports = importDomains(s, path, at, found);
  const domains = expandDomains(s, imports, hosts, at);
  if (found.length > 0) throw new InputError(byPosition(found));
  return {
    name: s.name,
    description: s.description,
    seed: s.seed,
    duration: s.duration,
    warmup: s.warmup,
    stations: stations as StationSpec[],
    hosts: hosts as HostSpec[],
    domains,
    pcie: s.pcie ?? null,
    datacenter,
    outputs: s.outputs,
    file: path,
  };
}

type At = (p: readonly PathSegment[], message: string, code?: InputIssue["code"]) => void;

/** `count: N` becomes N copies named name-1..name-N; names must be unique. */
function expand<T extends { name: string; count?: number }>(
  items: T[],
  where: PathSegment[],
  at: At,
): Omit<T, "count">[] {
  const out: Omit<T, "count">[] = [];
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const { count, ...rest } = item;
    const names =
      count === undefined ? [item.name] : Array.from({ length: count }, (_, j) => `${item.name}-${j + 1}`);
    for (const name of names) {
      if (seen.has(name))
        at([...where, i, "name"], `duplicate name "${name}" (also ${where[0]}[${seen.get(name)}])`);
      seen.set(name, i);
      out.push({ ...rest, name } as Omit<T, "count">);
    }
  });
  return out;
}

function importDomains(
  s: ScenarioParsed,
  scenarioPath: string | null,
  at: At,
  found: InputIssue[],
): (XlDomain | null)[] {
  return s.domains.map((d, i) => {
    if (d.xlcfg === undefined) {
      if (d.name === undefined)
        at(["domains", i], "required field is missing: expected name (or xlcfg)", "missing");
      return null;
    }
    if (scenarioPath === null) {
      at(["domains", i, "xlcfg"], "xl.cfg imports need a scenario file to resolve their path against");
      return null;
    }
    const cfgPath = resolve(dirname(scenarioPath), d.xlcfg);
    let text: string;
    try {
      text = readFileSync(cfgPath, "utf8");
    } catch {
      at(
        ["domains", i, "xlcfg"],
        `cannot read xl.cfg file ${JSON.stringify(d.xlcfg)} (looked for ${cfgPath})`,
        "file",
      );
      return null;
    }
    const { domain, issues } = importXlCfg(d.xlcfg, text);
    found.push(...issues);
    return domain;
  });
}

function expandDomains(
  s: ScenarioParsed,
  imports: (XlDomain | null)[],
  hosts: HostSpec[],
  at: At,
): DomainSpec[] {
  const merged = s.domains.map((d, i) => mergeDomain(d, imports[i], s.name));
  const named = merged.map((m, i) => ({ ...m, name: m.name ?? `domain${i}` }));
  const expanded = expand(named, ["domains"], at);
  if (expanded.length > 0 && hosts.length === 0)
    at(["domains"], "domains need a host: add a hosts entry", "reference");
  const hostNames = hosts.map((h) => h.name);
  s.domains.forEach((d, i) => {
    if (d.host !== undefined && !hostNames.includes(d.host)) {
      at(
        ["domains", i, "host"],
        `no host named "${d.host}"; hosts are ${hostNames.join(", ") || "none"}`,
        "reference",
      );
    }
  });
  return expanded.map((d) => ({
    name: d.name,
    host: d.host ?? hostNames[0] ?? "",
    vcpus: d.vcpus ?? 1,
    memory: d.memory ?? DEFAULT_DOMAIN_MEMORY,
    cpus: d.cpus,
    cpus_soft: d.cpus_soft,
    cpu_weight: d.cpu_weight ?? 256,
    cap: d.cap ?? 0,
    vif: d.vif ?? [],
    disk: d.disk ?? [],
    pci: d.pci ?? [],
    usbdev: d.usbdev ?? [],
    netfront: d.netfront,
    on_crash: (d.on_crash ?? "destroy") as DomainSpec["on_crash"],
    workload: d.workload ?? { type: "idle" },
    processor: d.processor,
    source: d.source,
  }));
}

/** Scenario fields override the xl.cfg file's. */
function mergeDomain(d: DomainParsed, cfg: XlDomain | null, scenarioName: string) {
  const { unmodelled: _ignored, ...fromCfg } = cfg ?? { unmodelled: [] };
  const defined = Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)) as DomainParsed;
  return { ...fromCfg, ...defined, source: d.xlcfg ?? scenarioName } as DomainParsed & { source: string };
}
