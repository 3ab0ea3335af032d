/**
 * A scenario host as a model part: builds the Xen host (topology, scheduler and version,
 * dom0 and the domains placed on it, a guest program per vCPU), wires the trace file,
 * the console log of debug keys and the metrics, and reports the results
 * (host-results.ts). Configuration problems found here (CPU lists naming pCPUs the host
 * lacks, workload lists of the wrong length) are InputErrors naming the field.
 */

import type { GuestProgram } from "../guest/guest-driver.js";
import {
  buildGuestHost,
  type GuestDomainSpec,
  type GuestHost,
  type GuestHostSpec,
} from "../guest/guest-host.js";
import type { RequestQueue } from "../guest/requests.js";
import { CpuMask } from "../hw/cpumask.js";
import type { Kernel } from "../kernel/kernel.js";
import { PeriodMeanSampler, TimeSeries } from "../kernel/time-series.js";
import { parseCpuList, resolveCpuList } from "../scenario/cpulist.js";
import { InputError, type InputIssue, type PathSegment } from "../scenario/input-issues.js";
import type { DomainSpec, HostSpec, ScenarioSpec } from "../scenario/scenario-schema.js";
import { debugKey } from "../xen/debug-keys.js";
import type { CreditFlags } from "../xen/sched/credit-params.js";
import type { ByteSink } from "../xen/trace/byte-sink.js";
import { TraceFanout, type TraceSink } from "../xen/trace/trace-sink.js";
import { XentraceWriter } from "../xen/trace/xentrace-writer.js";
import { buildPrograms } from "./build-programs.js";
import { collectHostResults } from "./host-results.js";
import { HostIo } from "./io-setup.js";
import type { ModelPart, PartResults } from "./model-part.js";

export interface HostPartOptions {
  /** Opens an output file by name (the CLI writes into the output folder); absent: discarded. */
  openFile?: (name: string) => ByteSink;
  /** An extra trace sink per host (tests attach the run's event log here). */
  extraTrace?: (host: string) => TraceSink | undefined;
}

/** A domain of the run with what the report needs about it. */
export interface RunDomain {
  name: string;
  spec: DomainSpec | null;
  programs: GuestProgram[];
  queues: RequestQueue[];
  /** Where its scenario entry is, for messages. */
  path: PathSegment[];
}

/** The Gantt chart's default length: 200 ms shows several 30 ms slices without crowding. */
const DEFAULT_GANTT_NS = 200_000_000;

const DISCARD: ByteSink = { write() {}, close() {} };

export class HostPart implements ModelPart {
  gh!: GuestHost;
  readonly domains: RunDomain[] = [];
  private writer: XentraceWriter | null = null;
  private console: ByteSink | null = null;
  readonly samplers: PeriodMeanSampler[] = [];
  readonly files: string[] = [];
  /** PV network I/O of this host (src/io), when a domain on it does any. */
  io: HostIo | null = null;

  constructor(
    readonly scenario: ScenarioSpec,
    readonly spec: HostSpec,
    private readonly domainSpecs: { spec: DomainSpec; index: number }[],
    private readonly samplePeriod: number,
    private readonly opts: HostPartOptions,
    private readonly single: boolean,
  ) {}

  start(k: Kernel): void {
    const h = this.spec;
    const nrCpus = h.topology.sockets * h.topology.cores * h.topology.threads;
    const issues: InputIssue[] = [];
    const file = this.scenario.file ?? this.scenario.name;
    const fail = (path: PathSegment[], message: string): void => {
      issues.push({ code: "value", file, line: 0, column: 0, path, message });
    };
    const hostIndex = this.scenario.hosts.findIndex((x) => x.name === h.name);
    const dom0Vcpus = h.dom0.vcpus ?? nrCpus;
    const specs: GuestDomainSpec[] = [];
    const add = (name: string, d: DomainLike, path: PathSegment[], spec: DomainSpec | null): void => {
      const list = Array.isArray(d.workload) ? d.workload : null;
      if (list && list.length !== d.vcpus)
        fail([...path, "workload"], `expected ${d.vcpus} workloads (one per vCPU), found ${list.length}`);
      const built = buildPrograms(k, `${h.name}/${name}`, d.workload, d.vcpus);
      const hard = this.masks(d.cpus, d.vcpus, nrCpus, [...path, "cpus"], fail);
      const soft = this.masks(d.cpus_soft, d.vcpus, nrCpus, [...path, "cpus_soft"], fail);
      const proc =
        d.processor === undefined
          ? undefined
          : Array.isArray(d.processor)
            ? d.processor
            : Array(d.vcpus).fill(d.processor);
      if (proc && proc.length !== d.vcpus)
        fail([...path, "processor"], `expected ${d.vcpus} pCPUs (one per vCPU), found ${proc.length}`);
      proc?.forEach((c, i) => {
        if (c >= nrCpus)
          fail([...path, "processor"], `pCPU ${c} does not exist: the host has pCPUs 0-${nrCpus - 1}`);
        else if (hard?.[i] && !hard[i]!.test(c))
          fail([...path, "processor"], `pCPU ${c} is outside vCPU ${i}'s cpus`);
      });
      specs.push({
        name,
        vcpus: d.vcpus,
        weight: d.cpu_weight,
        cap: d.cap,
        memory: d.memory,
        programs: built.programs.slice(0, d.vcpus),
        hard,
        soft,
        processor: proc,
      });
      this.domains.push({ name, spec, programs: built.programs, queues: built.queues, path });
    };
    add(
      "Domain-0",
      {
        vcpus: dom0Vcpus,
        cpu_weight: h.dom0.cpu_weight,
        cap: h.dom0.cap,
        cpus: h.dom0.cpus,
        workload: h.dom0.workload,
        memory: 1024 * 2 ** 20,
      },
      ["hosts", hostIndex, "dom0"],
      null,
    );
    for (const { spec, index } of this.domainSpecs) add(spec.name, spec, ["domains", index], spec);
    this.io = HostIo.plan(
      h,
      this.domains.map((d, i) => ({ spec: d.spec, path: d.path, vcpus: specs[i].vcpus })),
      fail,
    );
    if (issues.length > 0) throw new InputError(issues);

    const sinks: TraceSink[] = [];
    if (this.scenario.outputs.trace) {
      const name = this.single ? "trace.xentrace" : `trace-${h.name}.xentrace`;
      this.files.push(name);
      this.writer = new XentraceWriter(this.opts.openFile?.(name) ?? DISCARD, { nrCpus, clockHz: h.clock });
      sinks.push(this.writer);
    }
    const extra = this.opts.extraTrace?.(h.name);
    if (extra) sinks.push(extra);
    const warm = this.scenario.warmup;
    const c = h.xen.credit;
    const base: GuestHostSpec = {
      name: h.name,
      topology: h.topology,
      clockHz: h.clock,
      costs: {
        contextSwitch: h.costs.context_switch,
        ipiLatency: h.costs.ipi_latency,
        migration: h.costs.migration,
      },
      scheduler: {
        name: h.xen.scheduler,
        version: h.xen.version,
        params: {
          ...(c?.tslice !== undefined ? { tsliceMs: c.tslice / 1e6 } : {}),
          ...(c?.ratelimit !== undefined ? { ratelimitUs: c.ratelimit / 1e3 } : {}),
          ...(c?.migration_delay !== undefined ? { migrationDelayUs: c.migration_delay / 1e3 } : {}),
        },
        flags: (c?.flags ?? {}) as Partial<CreditFlags>,
      },
      domains: specs,
      trace: sinks.length === 0 ? undefined : sinks.length === 1 ? sinks[0] : new TraceFanout(sinks),
      gantt: {
        from: warm,
        to: warm + (this.scenario.outputs.gantt ?? DEFAULT_GANTT_NS),
        maxSegments: 20_000,
      },
    };
    this.gh = this.io ? this.io.build(k, base) : buildGuestHost(k, base);
    for (const tw of this.gh.metrics.domRunning) {
      this.samplers.push(
        new PeriodMeanSampler(
          tw,
          new TimeSeries("cpu", "1", this.samplePeriod, k.now),
          this.samplePeriod,
          k.now,
        ),
      );
    }
    if (h.debug_keys.length > 0) {
      const name = this.single ? "console.log" : `console-${h.name}.log`;
      this.files.push(name);
      this.console = this.opts.openFile?.(name) ?? DISCARD;
      const enc = new TextEncoder();
      for (const dk of h.debug_keys) {
        k.atTime(dk.at, () => {
          this.console!.write(enc.encode(`${debugKey(this.gh.host, dk.key).join("\n")}\n`));
        });
      }
    }
    this.gh.host.start();
    this.io?.start(k.now);
  }

  /** Hard or soft affinity per vCPU from an xl CPU list (one for all, or one per vCPU). */
  private masks(
    cpus: string | string[] | undefined,
    vcpus: number,
    nrCpus: number,
    path: PathSegment[],
    fail: (p: PathSegment[], m: string) => void,
  ): (CpuMask | undefined)[] | undefined {
    if (cpus === undefined) return undefined;
    const lists = Array.isArray(cpus) ? cpus : Array(vcpus).fill(cpus);
    if (lists.length !== vcpus) {
      fail(path, `expected ${vcpus} CPU lists (one per vCPU), found ${lists.length}`);
      return undefined;
    }
    const nodeOf = (cpu: number): number =>
      Math.floor(cpu / (this.spec.topology.cores * this.spec.topology.threads));
    return lists.map((text: string, i: number) => {
      const items = parseCpuList(text);
      const resolved = typeof items === "string" ? items : resolveCpuList(items, nrCpus, nodeOf);
      if (typeof resolved === "string") {
        fail(Array.isArray(cpus) ? [...path, i] : path, resolved);
        return undefined;
      }
      if (resolved.length === 0) {
        fail(Array.isArray(cpus) ? [...path, i] : path, `"${text}" leaves no pCPU to run on`);
        return undefined;
      }
      return CpuMask.of(nrCpus, resolved);
    });
  }

  resetStats(now: number): void {
    this.gh.metrics.reset(now);
    this.io?.resetStats(now);
    for (const d of this.domains) {
      for (const p of d.programs) p.resetStats(now);
      for (const q of d.queues) q.resetStats(now);
    }
  }

  sample(now: number): void {
    for (const s of this.samplers) s.sample(now);
  }

  collect(now: number): PartResults {
    this.gh.metrics.finishGantt(now);
    this.writer?.close();
    this.console?.close();
    const r = collectHostResults(this, now);
    if (this.io) {
      const io = this.io.collect(now);
      r.metrics.push(...io.metrics);
      r.tables.push(...io.tables);
      r.charts.push(...io.charts);
    }
    return r;
  }
}

interface DomainLike {
  vcpus: number;
  cpu_weight: number;
  cap: number;
  cpus?: string | string[];
  cpus_soft?: string | string[];
  memory?: number;
  processor?: number | number[];
  workload: DomainSpec["workload"];
}
