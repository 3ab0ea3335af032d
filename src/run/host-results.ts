/**
 * The results of one simulated host: metrics (every value with its unit), tables (a
 * host summary, per-vCPU scheduling, workloads, pCPUs, and `xl list` / `xl vcpu-list`
 * as the run ends) and charts (CPU per domain over time, wake-latency and runnable-gap
 * CDFs, deadline misses, a Gantt chart of who ran where).
 *
 * Fairness: Jain's index of measured / ideal CPU over the guest vCPUs that want CPU. The
 * ideal is weighted max-min fair sharing (water-filling) of the host's pCPUs: each vCPU
 * wants its workload's nominal demand (a hog 1 pCPU, a periodic job run/period, a
 * request queue its offered load), at most its share of the domain cap, and gets
 * capacity in proportion to its domain's weight (weight per vCPU, Xen 4.1+ semantics).
 * Hard affinity is ignored by the ideal.
 */

import { PeriodicProgram } from "../guest/periodic.js";
import { MIGRATION_KINDS } from "../hw/topology.js";
import type { LogHistogram } from "../kernel/log-histogram.js";
import { RUNSTATE_NAMES } from "../xen/runstate.js";
import { CREDIT_UNMODELLED_AFTER_4_9, versionAtLeast } from "../xen/sched/credit-params.js";
import { MIGRATION_COUNTERS } from "../xen/vcpu-table.js";
import type { HostPart, RunDomain } from "./host-part.js";
import type { PartResults } from "./model-part.js";
import { type ChartRecord, type MetricRecord, num, type TableRecord } from "./results.js";

const S = 1e9;
const MS = 1e6;

function r(x: number, digits = 4): number | null {
  return Number.isFinite(x) ? Number(x.toPrecision(digits + 2)) : null;
}

/** Weighted water-filling of `capacity` among demands; returns each allocation. */
export function waterFill(demand: number[], weight: number[], capacity: number): number[] {
  const alloc = demand.map(() => 0);
  let left = capacity;
  let open = demand.map((d, i) => (d > 0 ? i : -1)).filter((i) => i >= 0);
  while (open.length > 0 && left > 1e-12) {
    const w = open.reduce((s, i) => s + weight[i], 0);
    const rate = left / w;
    const done = open.filter((i) => demand[i] - alloc[i] <= rate * weight[i] + 1e-12);
    if (done.length === 0) {
      for (const i of open) alloc[i] += rate * weight[i];
      break;
    }
    for (const i of done) {
      left -= demand[i] - alloc[i];
      alloc[i] = demand[i];
    }
    open = open.filter((i) => !done.includes(i));
  }
  return alloc;
}

/** Jain's fairness index (sum x)^2 / (n sum x^2); 1 is perfectly fair. */
export function jainIndex(x: number[]): number {
  if (x.length === 0) return Number.NaN;
  const s = x.reduce((a, b) => a + b, 0);
  const s2 = x.reduce((a, b) => a + b * b, 0);
  return s2 > 0 ? (s * s) / (x.length * s2) : Number.NaN;
}

export function collectHostResults(part: HostPart, now: number): PartResults {
  const { host, metrics } = part.gh;
  const vt = host.vcpus;
  const h = part.spec;
  const span = now - metrics.measuredFrom;
  const multi = part.scenario.hosts.length > 1;
  const domName = (d: RunDomain): string => (multi && d.spec === null ? `${d.name}@${h.name}` : d.name);
  const out: PartResults = { metrics: [], tables: [], charts: [], notes: [] };
  const m = (
    entity: string,
    name: string,
    value: number,
    unit: string,
    extra: Partial<MetricRecord> = {},
  ): void => {
    out.metrics.push({ entity, name, value: num(value), unit, ...extra });
  };

  // Ideal shares.
  const vcpus = host.guestVcpus();
  const demand: number[] = [];
  const weight: number[] = [];
  vcpus.forEach((v) => {
    const d = host.domainOf(v);
    const rd = part.domains[d.index];
    let dem = Math.min(1, rd.programs[vt.vcpuId[v]]?.demand ?? 0);
    if (d.cap > 0) dem = Math.min(dem, d.cap / 100 / d.vcpus.length);
    demand.push(dem);
    weight.push(d.weight);
  });
  const ideal = waterFill(demand, weight, host.nrCpus);
  const share = vcpus.map((v) => (span > 0 ? metrics.timeIn(v, 0, now) / span : Number.NaN));
  const ratios = vcpus.map((_, i) => (ideal[i] > 1e-9 ? share[i] / ideal[i] : -1)).filter((x) => x >= 0);
  const jain = jainIndex(ratios);

  // Host.
  const he = `host/${h.name}`;
  const sched = host.sched;
  const g = sched.globals();
  m(he, "pcpus", host.nrCpus, "1");
  m(he, "fairness.jain", jain, "1", {
    description: "Jain's index of measured/ideal CPU share over guest vCPUs",
  });
  m(he, "schedules", host.schedules, "1");
  m(he, "context_switches", host.switches, "1");
  out.tables.push({
    id: `${h.name}-host`,
    title: `Host ${h.name}: ${host.topo.describe()}, ${sched.name} (Xen ${h.xen.version})`,
    columns: [
      { name: "scheduler" },
      { name: "xen" },
      { name: "tslice", unit: "ms" },
      { name: "ratelimit", unit: "us" },
      { name: "domains" },
      { name: "vCPUs" },
      { name: "utilisation" },
      { name: "fairness (Jain)" },
      { name: "switches/s" },
    ],
    rows: [
      [
        sched.optName,
        h.xen.version,
        g.tslice_ms ?? null,
        g.ratelimit_us ?? null,
        host.domains.length,
        vcpus.length,
        r(metrics.busy.reduce((s, b) => s + b.mean(now), 0) / host.nrCpus),
        r(jain),
        r(span > 0 ? host.switches / (now / S) : Number.NaN),
      ],
    ],
  });

  // vCPUs.
  const vrows: TableRecord["rows"] = [];
  const wakeSeries: ChartRecord["series"] = [];
  const gapSeries: ChartRecord["series"] = [];
  vcpus.forEach((v, i) => {
    const d = host.domainOf(v);
    const rd = part.domains[d.index];
    const name = `${domName(rd)}.${vt.vcpuId[v]}`;
    const e = `vcpu/${name}`;
    const prog = rd.programs[vt.vcpuId[v]];
    const wake = metrics.wakeLatency[v];
    const gap = metrics.preemptGap[v];
    m(e, "cpu_share", share[i], "1", {
      expected: ideal[i],
      description: "fraction of one pCPU; expected = weighted fair ideal",
    });
    RUNSTATE_NAMES.forEach((s, si) => {
      m(e, `time.${s}`, metrics.timeIn(v, si, now) / S, "s");
    });
    hist(m, e, "wake_latency", wake);
    hist(m, e, "runnable_gap", gap);
    m(e, "context_switches", vt.ctxSwitches[v], "1");
    MIGRATION_KINDS.forEach((k, ki) => {
      m(e, `migrations.${k}`, vt.migrations[v * MIGRATION_COUNTERS + ki], "1");
    });
    vrows.push([
      name,
      `d${vt.domid[v]}v${vt.vcpuId[v]}`,
      prog?.kind ?? "-",
      r(share[i] * 100),
      r(ideal[i] * 100),
      wake.count,
      r(q(wake, 0.5) / MS),
      r(q(wake, 0.99) / MS),
      r(wake.count > 0 ? wake.max / MS : Number.NaN),
      r(q(gap, 0.99) / MS),
      r(gap.count > 0 ? gap.max / MS : Number.NaN),
      vt.ctxSwitches[v],
      vt.migrations[v * 3] + vt.migrations[v * 3 + 1] + vt.migrations[v * 3 + 2],
      vt.migrations[v * 3 + 2],
    ]);
    if (wake.count > 0 && wakeSeries.length < 16)
      wakeSeries.push({ name, points: wake.cdf().map(([x, p]) => [x / MS, p]) });
    if (gap.count > 0 && gapSeries.length < 16)
      gapSeries.push({ name, points: gap.cdf().map(([x, p]) => [x / MS, p]) });
  });
  out.tables.push({
    id: `${h.name}-vcpus`,
    title: "vCPU scheduling (since the end of the warm-up)",
    columns: [
      { name: "vCPU" },
      { name: "xen" },
      { name: "workload" },
      { name: "CPU", unit: "%" },
      { name: "ideal", unit: "%" },
      { name: "wakes" },
      { name: "wake p50", unit: "ms" },
      { name: "wake p99", unit: "ms" },
      { name: "wake max", unit: "ms" },
      { name: "gap p99", unit: "ms" },
      { name: "gap max", unit: "ms" },
      { name: "switches" },
      { name: "migr" },
      { name: "x-socket" },
    ],
    rows: vrows,
  });

  // Domains and workloads.
  const wrows: TableRecord["rows"] = [];
  const missBars: [number, number][] = [];
  const missNames: string[] = [];
  const respSeries: ChartRecord["series"] = [];
  for (const rd of part.domains) {
    const d = host.domains[part.domains.indexOf(rd)];
    const e = `domain/${domName(rd)}`;
    const cpu = d.vcpus.reduce((s, v) => s + metrics.timeIn(v, 0, now), 0);
    m(e, "cpu", span > 0 ? cpu / span : Number.NaN, "1", { description: "pCPUs in use on average" });
    m(e, "weight", d.weight, "1");
    m(e, "cap", d.cap, "%");
    rd.programs.forEach((p, i) => {
      if (!(p instanceof PeriodicProgram)) return;
      const pe = `vcpu/${domName(rd)}.${i}`;
      const overdue = p.overdue(now);
      const due = p.completed + overdue;
      const missed = p.missed + overdue;
      m(pe, "jobs.released", p.released, "1");
      m(pe, "jobs.completed", p.completed, "1");
      m(pe, "deadline_misses", missed, "1");
      m(pe, "deadline_miss_ratio", due > 0 ? missed / due : Number.NaN, "1");
      hist(m, pe, "job_response", p.response);
      hist(m, pe, "job_start_latency", p.startLatency);
      wrows.push([
        `${domName(rd)}.${i}`,
        "periodic",
        due,
        missed,
        r(due > 0 ? (100 * missed) / due : Number.NaN),
        r(q(p.response, 0.5) / MS),
        r(q(p.response, 0.99) / MS),
        r(p.response.count > 0 ? p.response.max / MS : Number.NaN),
        null,
      ]);
      missNames.push(`${domName(rd)}.${i}`);
      missBars.push([missBars.length, due > 0 ? (100 * missed) / due : 0]);
      respSeries.push({
        name: `${domName(rd)}.${i}`,
        points: p.response.cdf().map(([x, pp]) => [x / MS, pp]),
      });
    });
    rd.queues.forEach((qq, i) => {
      const qe = rd.queues.length > 1 ? `vcpu/${domName(rd)}.${i}` : e;
      m(qe, "requests.arrived", qq.arrivals, "1");
      m(qe, "requests.completed", qq.completed, "1");
      m(qe, "requests.dropped", qq.dropped, "1");
      m(qe, "throughput", span > 0 ? qq.completed / (span / S) : Number.NaN, "1/s");
      hist(m, qe, "response_time", qq.response);
      m(qe, "requests_in_guest.mean", qq.inGuest.mean(now), "1");
      wrows.push([
        rd.queues.length > 1 ? `${domName(rd)}.${i}` : domName(rd),
        "requests",
        qq.completed,
        null,
        null,
        r(q(qq.response, 0.5) / MS),
        r(q(qq.response, 0.99) / MS),
        r(qq.response.count > 0 ? qq.response.max / MS : Number.NaN),
        r(span > 0 ? qq.completed / (span / S) : Number.NaN),
      ]);
      respSeries.push({ name: domName(rd), points: qq.response.cdf().map(([x, pp]) => [x / MS, pp]) });
    });
  }
  if (wrows.length > 0)
    out.tables.push({
      id: `${h.name}-workloads`,
      title: "Guest work: periodic jobs (deadline = period unless set) and requests",
      columns: [
        { name: "vCPU/domain" },
        { name: "workload" },
        { name: "jobs/requests" },
        { name: "missed" },
        { name: "missed", unit: "%" },
        { name: "resp p50", unit: "ms" },
        { name: "resp p99", unit: "ms" },
        { name: "resp max", unit: "ms" },
        { name: "throughput", unit: "1/s" },
      ],
      rows: wrows,
    });

  // pCPUs.
  const prows: TableRecord["rows"] = [];
  for (let c = 0; c < host.nrCpus; c++) {
    const pe = `host/${h.name}/pcpu/${c}`;
    const util = metrics.busy[c].mean(now);
    m(pe, "utilisation", util, "1");
    m(pe, "runq_length.mean", metrics.runqLen[c].mean(now), "1");
    m(pe, "runq_length.max", metrics.runqLen[c].max, "1");
    prows.push([
      c,
      host.topo.coreOf[c],
      host.topo.socketOf[c],
      r(util * 100),
      r(metrics.runqLen[c].mean(now)),
      metrics.runqLen[c].max,
    ]);
  }
  out.tables.push({
    id: `${h.name}-pcpus`,
    title: "pCPUs",
    columns: [
      { name: "CPU" },
      { name: "core" },
      { name: "socket" },
      { name: "busy", unit: "%" },
      { name: "runq mean" },
      { name: "runq max" },
    ],
    rows: prows,
  });

  out.tables.push(xlList(part, now), xlVcpuList(part, now));
  out.charts.push(...charts(part, wakeSeries, gapSeries, respSeries, missNames, missBars));

  if (h.xen.scheduler === "credit" && versionAtLeast(h.xen.version, "4.10"))
    out.notes.push(
      `Xen ${h.xen.version} Credit runs with 4.9's behaviour; not modelled: ${CREDIT_UNMODELLED_AFTER_4_9.join("; ")}.`,
    );
  out.notes.push(
    "Fairness ideal: weighted max-min sharing of the pCPUs by each vCPU's nominal demand, weight per vCPU, hard affinity ignored.",
  );
  return out;
}

function q(hh: LogHistogram, p: number): number {
  return hh.count > 0 ? hh.quantile(p) : Number.NaN;
}

function hist(
  m: (e: string, n: string, v: number, u: string) => void,
  e: string,
  name: string,
  hh: LogHistogram,
): void {
  m(e, `${name}.count`, hh.count, "1");
  m(e, `${name}.mean`, hh.count > 0 ? hh.mean / S : Number.NaN, "s");
  m(e, `${name}.p50`, q(hh, 0.5) / S, "s");
  m(e, `${name}.p95`, q(hh, 0.95) / S, "s");
  m(e, `${name}.p99`, q(hh, 0.99) / S, "s");
  m(e, `${name}.max`, hh.count > 0 ? hh.max / S : Number.NaN, "s");
}

/** `xl list` at the end of the run: Name ID Mem VCPUs State Time(s). */
function xlList(part: HostPart, now: number): TableRecord {
  const { host } = part.gh;
  const vt = host.vcpus;
  const rows = host.domains.map((d) => {
    const running = d.vcpus.some((v) => vt.runstate[v] === 0);
    const blocked = d.vcpus.every((v) => vt.runstate[v] === 2);
    const paused = d.vcpus.every((v) => vt.pauseCount[v] > 0);
    const state = `${running ? "r" : "-"}${!running && blocked ? "b" : "-"}${paused ? "p" : "-"}---`;
    const time = d.vcpus.reduce((s, v) => s + vt.timeIn(v, 0, now), 0) / S;
    return [d.name, d.domid, Math.round(d.memory / 2 ** 20), d.vcpus.length, state, Number(time.toFixed(1))];
  });
  return {
    id: `${part.spec.name}-xl-list`,
    title: `xl list (host ${part.spec.name}, at the end of the run)`,
    columns: [
      { name: "Name" },
      { name: "ID" },
      { name: "Mem" },
      { name: "VCPUs" },
      { name: "State" },
      { name: "Time(s)" },
    ],
    rows,
  };
}

/** `xl vcpu-list` at the end of the run. */
function xlVcpuList(part: HostPart, now: number): TableRecord {
  const { host } = part.gh;
  const vt = host.vcpus;
  const rows: TableRecord["rows"] = [];
  for (const d of host.domains) {
    for (const v of d.vcpus) {
      const rs = vt.runstate[v];
      const state = `${rs === 0 ? "r" : "-"}${rs === 2 ? "b" : "-"}${vt.pauseCount[v] > 0 ? "p" : "-"}`;
      rows.push([
        d.name,
        d.domid,
        vt.vcpuId[v],
        vt.processor[v],
        state,
        Number((vt.timeIn(v, 0, now) / S).toFixed(1)),
        `${vt.hard[v].toList()} / ${vt.soft[v].toList()}`,
      ]);
    }
  }
  return {
    id: `${part.spec.name}-xl-vcpu-list`,
    title: `xl vcpu-list (host ${part.spec.name}, at the end of the run)`,
    columns: [
      { name: "Name" },
      { name: "ID" },
      { name: "VCPU" },
      { name: "CPU" },
      { name: "State" },
      { name: "Time(s)" },
      { name: "Affinity (Hard / Soft)" },
    ],
    rows,
  };
}

function charts(
  part: HostPart,
  wakeSeries: ChartRecord["series"],
  gapSeries: ChartRecord["series"],
  respSeries: ChartRecord["series"],
  missNames: string[],
  missBars: [number, number][],
): ChartRecord[] {
  const { host, metrics } = part.gh;
  const h = part.spec.name;
  const out: ChartRecord[] = [
    {
      id: `${h}-cpu-share`,
      title: "CPU in use per domain over time (pCPUs)",
      kind: "line",
      x: { label: "simulated time", unit: "s" },
      y: { label: "pCPUs", unit: "1" },
      series: part.samplers.map((s, i) => ({ name: part.domains[i].name, points: s.series.points() })),
    },
  ];
  if (wakeSeries.length > 0)
    out.push({
      id: `${h}-wake-latency`,
      title: "Wake-to-run latency (runnable after blocking, until running)",
      kind: "cdf",
      x: { label: "latency", unit: "ms", log: true },
      y: { label: "fraction of wakes", unit: "1" },
      series: wakeSeries,
    });
  if (gapSeries.length > 0)
    out.push({
      id: `${h}-runnable-gaps`,
      title: "Runnable gaps after preemption (waiting for a pCPU)",
      kind: "cdf",
      x: { label: "gap", unit: "ms", log: true },
      y: { label: "fraction of gaps", unit: "1" },
      series: gapSeries,
    });
  if (missBars.length > 0)
    out.push({
      id: `${h}-deadline-misses`,
      title: "Periodic jobs that missed their deadline",
      kind: "bar",
      x: { label: "vCPU", unit: "1" },
      y: { label: "missed", unit: "%" },
      series: [{ name: "missed", points: missBars }],
      categories: missNames,
      note: "A job misses when it completes later than its release plus the deadline (the period by default).",
    });
  if (respSeries.length > 0)
    out.push({
      id: `${h}-response`,
      title: "Job and request response times",
      kind: "cdf",
      x: { label: "response time", unit: "ms", log: true },
      y: { label: "fraction", unit: "1" },
      series: respSeries,
    });
  const lanes = Array.from({ length: host.nrCpus }, (_, c) => `CPU${c}`);
  const gantt: ChartRecord["series"] = [];
  for (const [v, segs] of [...metrics.segments].sort((a, b) => a[0] - b[0])) {
    const pts: number[][] = [];
    for (let i = 0; i < segs.length; i += 3) pts.push([segs[i] / MS, segs[i + 1] / MS, segs[i + 2]]);
    const d = host.domainOf(v);
    gantt.push({ name: `${d.name}.${host.vcpus.vcpuId[v]}`, points: pts });
  }
  if (gantt.length > 0)
    out.push({
      id: `${h}-gantt`,
      title: "Which vCPU ran on which pCPU (start of the measured period)",
      kind: "gantt",
      x: { label: "simulated time", unit: "ms" },
      y: { label: "pCPU", unit: "1" },
      series: gantt,
      categories: lanes,
    });
  return out;
}
