/**
 * Per-domain and per-vCPU scheduling summary computed from a xentrace file alone, in
 * the spirit of `xenalyze --summary`: time in each runstate, wake-to-run latency (the
 * runnable intervals entered from blocked or offline, xenalyze's "wake" sub-state) and
 * preemption gaps (runnable entered from running), with percentiles.
 *
 * Method. Only TRC_SCHED_RUNSTATE_CHANGE records are needed: each names the vCPU, its
 * old and new state. A vCPU's records may sit in several pCPUs' windows; they are
 * gathered per vCPU, ordered by TSC, and records with equal TSC are ordered so that each
 * one's old state is the previous one's new state (the only order consistent with
 * Xen). Times are converted back to ns exactly (tsc.ts) and clipped to [from, to];
 * an interval's latency is counted when it ends inside [from, to]. These are the
 * definitions VcpuMetrics uses, so a xenlab trace reproduces the run's metrics exactly.
 */
import { LogHistogram } from "../../kernel/log-histogram.js";
import { RUNSTATE_runnable, RUNSTATE_running } from "../runstate.js";
import { DOMID_IDLE } from "../xen-ids.js";
import { TRC_EVENT_MASK, TRC_SCHED_RUNSTATE_CHANGE, traceEventName } from "./trace-ids.js";
import { TscClock } from "./tsc.js";
import { readXentrace, type TraceFileInfo } from "./xentrace-reader.js";

export interface SummaryOptions {
  /** TSC rate of the traced host (xenalyze's default: 2.4 GHz). */
  clockHz: number;
  /** Window start and end, ns after the trace's first TSC (defaults: 0 and the last record). */
  from?: number;
  to?: number;
}

export interface VcpuSummary {
  domid: number;
  vcpu: number;
  /** ns in running, runnable, blocked, offline within the window. */
  time: [number, number, number, number];
  /** Runstate changes into each state within the window. */
  entries: [number, number, number, number];
  wake: LogHistogram;
  preempt: LogHistogram;
}

export interface TraceSummary {
  info: TraceFileInfo;
  clockHz: number;
  from: number;
  to: number;
  vcpus: VcpuSummary[];
  /** Records per event name. */
  volume: Map<string, number>;
}

interface Change {
  tsc: number;
  from: number;
  to: number;
}

export function summarizeTrace(bytes: Uint8Array, opts: SummaryOptions): TraceSummary {
  const clock = new TscClock(opts.clockHz);
  const changes = new Map<number, Change[]>();
  const volume = new Map<string, number>();
  const info = readXentrace(bytes, (r) => {
    const e = r.event & TRC_EVENT_MASK;
    const isRunstate = (e & ~0xff0) === TRC_SCHED_RUNSTATE_CHANGE;
    const name = isRunstate ? "runstate_change" : traceEventName(e);
    volume.set(name, (volume.get(name) ?? 0) + 1);
    if (!isRunstate || r.n < 1) return;
    const key = r.words[0] >>> 0;
    let list = changes.get(key);
    if (list === undefined) {
      list = [];
      changes.set(key, list);
    }
    list.push({ tsc: r.tsc, from: (e >> 8) & 3, to: (e >> 4) & 3 });
  });
  const origin = info.records > 0 ? info.firstTsc : 0;
  const from = opts.from ?? 0;
  const to = opts.to ?? (info.records > 0 ? clock.toNs(info.lastTsc - origin) : 0);
  const vcpus: VcpuSummary[] = [];
  for (const [key, list] of [...changes].sort((a, b) => a[0] - b[0])) {
    const domid = key >>> 16;
    const vcpu = key & 0xffff;
    vcpus.push(summarizeVcpu(domid, vcpu, chain(list), (tsc) => clock.toNs(tsc - origin), from, to));
  }
  return { info, clockHz: opts.clockHz, from, to, vcpus, volume };
}

/** Orders a vCPU's changes by TSC, resolving equal-TSC groups by state continuity. */
function chain(list: Change[]): Change[] {
  list.sort((a, b) => a.tsc - b.tsc);
  const out: Change[] = [];
  let state = -1;
  for (let i = 0; i < list.length; ) {
    let j = i;
    while (j < list.length && list[j].tsc === list[i].tsc) j++;
    const group = list.slice(i, j);
    while (group.length > 0) {
      let k = group.findIndex((c) => c.from === state);
      if (k < 0) k = 0;
      const c = group.splice(k, 1)[0];
      out.push(c);
      state = c.to;
    }
    i = j;
  }
  return out;
}

function summarizeVcpu(
  domid: number,
  vcpu: number,
  list: Change[],
  toNs: (tsc: number) => number,
  from: number,
  to: number,
): VcpuSummary {
  const s: VcpuSummary = {
    domid,
    vcpu,
    time: [0, 0, 0, 0],
    entries: [0, 0, 0, 0],
    wake: new LogHistogram(),
    preempt: new LogHistogram(),
  };
  if (list.length === 0) return s;
  let state = list[0].from;
  let since = 0;
  let runnableFrom = -1;
  const account = (end: number): void => {
    const a = Math.max(since, from);
    const b = Math.min(end, to);
    if (b > a) s.time[state] += b - a;
  };
  for (const c of list) {
    const t = toNs(c.tsc);
    account(t);
    if (state === RUNSTATE_runnable && t >= from && t <= to) {
      if (runnableFrom === RUNSTATE_running) s.preempt.add(t - since);
      else s.wake.add(t - since);
    }
    if (c.to === RUNSTATE_runnable) runnableFrom = c.from;
    if (t >= from && t <= to) s.entries[c.to]++;
    state = c.to;
    since = t;
  }
  account(to);
  return s;
}

/** Guest vCPUs only (the idle domain's are per-pCPU idle time). */
export function guestVcpus(s: TraceSummary): VcpuSummary[] {
  return s.vcpus.filter((v) => v.domid !== DOMID_IDLE);
}
