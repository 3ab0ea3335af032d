/**
 * The Credit scheduler: Xen's xen/common/sched_credit.c (Ackaouy 2006) as in 3.4 to 4.9,
 * version differences as flags (credit-params.ts). Spec: scheduler.md section 1.
 *
 * Design. Each pCPU has a runqueue ordered by priority only (BOOST > UNDER > OVER >
 * IDLE), FIFO inside a priority; its idle vCPU sits at the tail whenever it is not
 * running. Every 10 ms a per-pCPU tick debits the running vCPU (3.4: a flat 100
 * credits, sampled; 4.0+: exactly, 10 credits per ms of elapsed time), ends its BOOST,
 * and either activates it (the only way into the active list) or asks pick_cpu whether
 * it should move. Every 30 ms the master pCPU runs accounting: the credits of all pCPUs
 * (300 each) are shared among active domains by weight, capped at what their active
 * vCPUs can burn, surplus redistributed; a vCPU is OVER when its credit is negative,
 * UNDER otherwise; a vCPU with more than a slice of credit leaves the active list; a
 * capped vCPU overdrawn beyond its cap share is parked (paused). A waking UNDER vCPU is
 * BOOSTed and tickles: an IPI to its pCPU if it outranks the current vCPU, and to
 * idlers. A pCPU whose best local candidate is OVER or IDLE steals the first strictly
 * better vCPU it finds on a busy peer's runqueue. Slices are 30 ms; from 4.2 a vCPU
 * keeps its pCPU for at least `ratelimit` once switched in.
 *
 * Invariants: a vCPU is on at most one runqueue, never while running; the idle vCPU of
 * a pCPU is either running there or at the tail of its runqueue; `idlers` holds the
 * pCPUs whose last schedule picked the idle vCPU; prv.weight is the weight of the
 * active set.
 *
 * Every method names the Xen function it models. Hot path: benchmarked by `sched.credit`.
 */

import { CpuMask } from "../../hw/cpumask.js";
import type { Kernel, Timer } from "../../kernel/kernel.js";
import type { Domain } from "../domain.js";
import {
  TRC_CSCHED_ACCOUNT_START,
  TRC_CSCHED_ACCOUNT_STOP,
  TRC_CSCHED_BOOST_END,
  TRC_CSCHED_BOOST_START,
  TRC_CSCHED_PICKED_CPU,
  TRC_CSCHED_STOLEN_VCPU,
  TRC_CSCHED_TICKLE,
} from "../trace/trace-ids.js";
import { VPF_migrating } from "../vcpu-table.js";
import { XEN_SCHEDULER } from "../xen-ids.js";
import { type CreditFlags, type CreditParams, checkCreditParams } from "./credit-params.js";
import { LinkedLists } from "./credit-runq.js";
import type { SchedHost, SchedParams, SchedulerOps, TaskSlice } from "./sched-ops.js";

/** Priorities (CSCHED_PRI_*): larger runs first. */
export const CSCHED_PRI_TS_BOOST = 0;
export const CSCHED_PRI_TS_UNDER = -1;
export const CSCHED_PRI_TS_OVER = -2;
export const CSCHED_PRI_IDLE = -64;

/** csched_vcpu flags. PARKED: set by accounting when a cap is exceeded, cleared when credit is back. */
export const CSCHED_FLAG_VCPU_PARKED = 1 << 0;
/** YIELD: set by yield, read by runq insert, cleared at the next schedule. */
export const CSCHED_FLAG_VCPU_YIELD = 1 << 1;
/** MIGRATING (4.7+): set by pick_cpu on a commit, read and cleared by wake (no boost). */
export const CSCHED_FLAG_VCPU_MIGRATING = 1 << 2;

/** CSCHED_CREDITS_PER_MSEC: 1 credit = 100 us of CPU. */
export const CSCHED_CREDITS_PER_MSEC = 10;
/** CSCHED_TICKS_PER_TSLICE: a slice is 3 ticks (10 ms each by default). */
export const CSCHED_TICKS_PER_TSLICE = 3;
/** 3.4's CSCHED_CREDITS_PER_TICK: the flat debit of sampled accounting (10 ms x 10/ms). */
export const CSCHED_CREDITS_PER_TICK = 100;
/** CSCHED_MIN_TIMER (= XEN_SYSCTL_SCHED_RATELIMIT_MIN): never arm a slice shorter than 100 us. */
export const CSCHED_MIN_TIMER = 100_000;

const MS = 1_000_000;
const STEP_SOFT = 0;
const STEP_HARD = 1;

export class CreditScheduler implements SchedulerOps {
  readonly name = "SMP Credit Scheduler";
  readonly optName = "credit";
  readonly schedId = XEN_SCHEDULER.credit;

  // Per vCPU (csched_vcpu).
  readonly pri: Int8Array;
  readonly credit: Int32Array;
  private readonly residual: Float64Array;
  private readonly startTime: Float64Array;
  readonly flags: Uint8Array;
  /** Runqueues: vCPU ids 0..V-1, sentinel of pCPU c at V + c. */
  private readonly runq: LinkedLists;
  /** Active vCPUs per domain: sentinel of domain d at V + d. */
  private readonly active: LinkedLists;
  /** Active domains: domain d is node d, sentinel at V. */
  private readonly activeDoms: LinkedLists;
  // Per domain (csched_dom), by domain index.
  private readonly sdomWeight: Int32Array;
  private readonly sdomCap: Int32Array;
  readonly activeCount: Int32Array;
  // Per pCPU (csched_pcpu).
  private readonly runqSortLast: Int32Array;
  private readonly tickCount: Int32Array;
  private readonly idleBias: Int32Array;
  private readonly lastTickleCpu: Int32Array;
  private readonly ticker: Timer[] = [];
  private masterTicker: Timer | null = null;
  // Global (csched_private).
  readonly idlers: CpuMask;
  weight = 0;
  creditTotal = 0;
  creditBalance = 0;
  runqSort = 0;
  readonly master = 0;
  private tsliceMs: number;
  private ticksPerTslice = CSCHED_TICKS_PER_TSLICE;
  private tickPeriodNs = 0;
  creditsPerTslice = 0;
  private ratelimitNs: number;
  private migrationDelayNs: number;
  // Scratch masks (no allocation on the hot path).
  private readonly mCpus: CpuMask;
  private readonly mIdlers: CpuMask;
  private readonly mA: CpuMask;
  private readonly mB: CpuMask;
  private readonly mTickle: CpuMask;
  private readonly mIdle: CpuMask;
  private readonly V: number;
  /** Counters for dumps and metrics. */
  steals = 0;
  tickles = 0;
  accountings = 0;

  constructor(
    private readonly host: SchedHost,
    readonly flagsV: CreditFlags,
    params: CreditParams,
  ) {
    const problems = checkCreditParams(params, flagsV);
    if (problems.length > 0) throw new RangeError(`credit parameters: ${problems.join("; ")}`);
    const V = host.vcpus.capacity;
    const P = host.topo.nrCpus;
    this.V = V;
    this.pri = new Int8Array(V);
    this.credit = new Int32Array(V);
    this.residual = new Float64Array(V);
    this.startTime = new Float64Array(V);
    this.flags = new Uint8Array(V);
    this.runq = new LinkedLists(V + P);
    this.active = new LinkedLists(2 * V);
    this.activeDoms = new LinkedLists(V + 1);
    this.sdomWeight = new Int32Array(V);
    this.sdomCap = new Int32Array(V);
    this.activeCount = new Int32Array(V);
    this.runqSortLast = new Int32Array(P);
    this.tickCount = new Int32Array(P);
    this.idleBias = new Int32Array(P).fill(P - 1);
    this.lastTickleCpu = new Int32Array(P);
    this.idlers = new CpuMask(P);
    this.mCpus = new CpuMask(P);
    this.mIdlers = new CpuMask(P);
    this.mA = new CpuMask(P);
    this.mB = new CpuMask(P);
    this.mTickle = new CpuMask(P);
    this.mIdle = new CpuMask(P);
    this.tsliceMs = params.tsliceMs;
    this.ratelimitNs = params.ratelimitUs * 1000;
    this.migrationDelayNs = params.migrationDelayUs * 1000;
  }

  // ---- setup ------------------------------------------------------------------------

  /** csched_init + init_pdata for every pCPU + csched_start_tickers. */
  init(): void {
    const h = this.host;
    const P = h.topo.nrCpus;
    this.setTslice(this.tsliceMs);
    this.activeDoms.initHead(this.V);
    for (let cpu = 0; cpu < P; cpu++) {
      this.runq.initHead(this.V + cpu);
      this.pri[h.idleVcpu(cpu)] = CSCHED_PRI_IDLE;
      this.idlers.set(cpu);
      this.runqSortLast[cpu] = this.runqSort;
      this.ticker.push(h.k.timer(this.onTick, cpu));
    }
    this.creditTotal = this.creditsPerTslice * P;
    for (let cpu = 0; cpu < P; cpu++) this.ticker[cpu].set(this.tickPeriodNs);
    if (!this.flagsV.acctInMasterTick) {
      this.masterTicker = h.k.timer(this.onMasterTick, 0);
      this.masterTicker.set(this.tsliceMs * MS);
    }
  }

  /** __csched_set_tslice. */
  private setTslice(ms: number): void {
    this.tsliceMs = ms;
    this.ticksPerTslice = ms < CSCHED_TICKS_PER_TSLICE ? 1 : CSCHED_TICKS_PER_TSLICE;
    this.tickPeriodNs = Math.floor((ms * 1000) / this.ticksPerTslice) * 1000;
    this.creditsPerTslice = CSCHED_CREDITS_PER_MSEC * ms;
    this.creditTotal = this.creditsPerTslice * this.host.topo.nrCpus;
  }

  /** csched_alloc_domdata / csched_dom_init. */
  insertDomain(d: Domain): void {
    this.sdomWeight[d.index] = d.weight;
    this.sdomCap[d.index] = d.cap;
    this.activeCount[d.index] = 0;
    this.active.initHead(this.V + d.index);
  }

  /** csched_alloc_vdata + csched_vcpu_insert (placement is the core's, as in 3.4). */
  insertVcpu(v: number): void {
    this.pri[v] = CSCHED_PRI_TS_UNDER;
    this.credit[v] = 0;
    this.flags[v] = 0;
    const vt = this.host.vcpus;
    if (!this.runq.onList(v) && vt.runnable(v) && !vt.isRunning[v]) this.runqInsert(v);
  }

  /** csched_vcpu_remove. */
  removeVcpu(v: number): void {
    if (this.runq.onList(v)) this.runq.remove(v);
    if ((this.flags[v] & CSCHED_FLAG_VCPU_PARKED) !== 0) {
      this.flags[v] &= ~CSCHED_FLAG_VCPU_PARKED;
      this.host.vcpuUnpause(v);
    }
    if (this.active.onList(v)) this.acctStop(v);
  }

  // ---- runqueue ----------------------------------------------------------------------

  /** __runq_insert: after every vCPU of equal or higher priority; a yielder behind one more. */
  private runqInsert(v: number): void {
    const rq = this.runq;
    const head = this.V + this.host.vcpus.processor[v];
    const p = this.pri[v];
    let iter = rq.next[head];
    while (iter !== head && !(p > this.pri[iter])) iter = rq.next[iter];
    if ((this.flags[v] & CSCHED_FLAG_VCPU_YIELD) !== 0 && iter !== head && this.pri[iter] > CSCHED_PRI_IDLE)
      iter = rq.next[iter];
    rq.insertBefore(v, iter);
  }

  /** is_runq_idle: empty, or the idle vCPU at the head. */
  private isRunqIdle(cpu: number): boolean {
    const head = this.V + cpu;
    const first = this.runq.next[head];
    return first === head || this.host.vcpus.isIdle[first] === 1;
  }

  /** csched_runq_sort: once per accounting epoch, move UNDER-or-better ahead of OVER (stable). */
  private runqSortCpu(cpu: number): void {
    if (this.runqSortLast[cpu] === this.runqSort) return;
    this.runqSortLast[cpu] = this.runqSort;
    const rq = this.runq;
    const head = this.V + cpu;
    let lastUnder = head;
    let elem = rq.next[head];
    while (elem !== head) {
      const next = rq.next[elem];
      if (this.pri[elem] >= CSCHED_PRI_TS_UNDER) {
        if (rq.prev[elem] !== lastUnder) {
          rq.remove(elem);
          rq.insertAfter(elem, lastUnder);
        }
        lastUnder = elem;
      }
      elem = next;
    }
  }

  /** The runqueue of `cpu`, head first (dumps, tests). */
  runqueue(cpu: number): number[] {
    return this.runq.toArray(this.V + cpu);
  }

  isActive(v: number): boolean {
    return this.active.onList(v);
  }

  // ---- credits -----------------------------------------------------------------------

  /**
   * burn_credits (4.0+): debit the elapsed time since start_time at 10 credits per ms.
   * 4.0-4.2 round to the nearest credit; 4.3+ keep the remainder in `residual`. Both
   * advance start_time only by the time actually debited, so the rest counts next time.
   */
  private burnCredits(v: number, now: number): void {
    const delta = now - this.startTime[v];
    if (delta <= 0) return;
    let credits: number;
    if (this.flagsV.residual) {
      const val = delta * CSCHED_CREDITS_PER_MSEC + this.residual[v];
      this.residual[v] = val % MS;
      credits = Math.floor(val / MS);
    } else {
      credits = Math.floor((delta * CSCHED_CREDITS_PER_MSEC + MS / 2) / MS);
    }
    this.credit[v] -= credits;
    this.startTime[v] += Math.floor((credits * MS) / CSCHED_CREDITS_PER_MSEC);
  }

  /** __csched_vcpu_acct_start: join the active list (and the domain the active-domain list). */
  private acctStart(v: number): void {
    const d = this.host.vcpus.dom[v];
    const w = this.sdomWeight[d];
    if (!this.active.onList(v)) {
      this.activeCount[d]++;
      this.active.insertAfter(v, this.V + d);
      if (this.flagsV.perVcpuWeight) this.weight += w;
      if (!this.activeDoms.onList(d)) {
        this.activeDoms.insertAfter(d, this.V);
        if (!this.flagsV.perVcpuWeight) this.weight += w;
      }
    }
    const tr = this.host.trace;
    if (tr.on) {
      const vt = this.host.vcpus;
      tr.rec(
        vt.processor[v],
        this.host.k.now,
        TRC_CSCHED_ACCOUNT_START,
        3,
        vt.domid[v],
        vt.vcpuId[v],
        this.activeCount[d],
        0,
        0,
      );
    }
  }

  /** __csched_vcpu_acct_stop_locked: leave the active list. */
  private acctStop(v: number): void {
    const d = this.host.vcpus.dom[v];
    const w = this.sdomWeight[d];
    this.activeCount[d]--;
    this.active.remove(v);
    if (this.flagsV.perVcpuWeight) this.weight -= w;
    if (this.active.isEmpty(this.V + d)) {
      this.activeDoms.remove(d);
      if (!this.flagsV.perVcpuWeight) this.weight -= w;
    }
    const tr = this.host.trace;
    if (tr.on) {
      const vt = this.host.vcpus;
      tr.rec(
        this.master,
        this.host.k.now,
        TRC_CSCHED_ACCOUNT_STOP,
        3,
        vt.domid[v],
        vt.vcpuId[v],
        this.activeCount[d],
        0,
        0,
      );
    }
  }

  /**
   * csched_acct: share this period's credits among active domains by weight.
   * With W the active weight and C = 300 x nr pCPUs (plus any negative balance), domain d
   * of weight w and n active vCPUs is offered fair = ceil(C w n / W) (4.0: ceil(C w / W)),
   * limited to peak = n x 300 (a period's worth for all its vCPUs) or its cap; what it
   * cannot take inflates C for the domains after it. Each active vCPU gets
   * ceil(fair / n), then is OVER below 0, UNDER otherwise, clamped at -300, parked if
   * capped and overdrawn beyond its cap share, and made inactive above 300 credits.
   */
  private acct(): void {
    this.accountings++;
    const f = this.flagsV;
    const weightTotal = this.weight;
    let creditTotal = this.creditTotal;
    if (this.creditBalance < 0) creditTotal -= this.creditBalance;
    if (weightTotal === 0) {
      this.creditBalance = 0;
      return;
    }
    const cpt = this.creditsPerTslice;
    let weightLeft = weightTotal;
    let creditBalance = 0;
    let creditXtra = false;
    let creditCap = 0;
    const doms = this.activeDoms;
    const head = this.V;
    for (let d = doms.next[head]; d !== head; ) {
      const nextD = doms.next[d];
      const w = this.sdomWeight[d];
      const n = this.activeCount[d];
      const domWeight = f.perVcpuWeight ? w * n : w;
      weightLeft -= domWeight;
      let creditPeak = n * cpt;
      if (this.creditBalance < 0)
        creditPeak += Math.floor((-this.creditBalance * domWeight + (weightTotal - 1)) / weightTotal);
      const cap = this.sdomCap[d];
      if (cap !== 0) {
        creditCap = Math.floor((cap * cpt + 99) / 100);
        if (creditCap < creditPeak) creditPeak = creditCap;
        creditCap = Math.floor((creditCap + (n - 1)) / n);
      }
      let creditFair = Math.floor((creditTotal * domWeight + (weightTotal - 1)) / weightTotal);
      if (creditFair < creditPeak) {
        creditXtra = true;
      } else {
        if (weightLeft !== 0)
          creditTotal += Math.floor(
            ((creditFair - creditPeak) * weightTotal + (weightLeft - 1)) / weightLeft,
          );
        if (creditXtra) {
          doms.remove(d);
          doms.insertAfter(d, head);
        }
        creditFair = creditPeak;
      }
      creditFair = Math.floor((creditFair + (n - 1)) / n);
      creditBalance += this.acctDomainVcpus(d, creditFair, cap, creditCap);
      d = nextD;
    }
    this.creditBalance = creditBalance;
    this.runqSort++;
  }

  /** The per-vCPU half of csched_acct for domain `d`; returns the sum of their credits. */
  private acctDomainVcpus(d: number, increment: number, cap: number, creditCap: number): number {
    const f = this.flagsV;
    const h = this.host;
    const list = this.active;
    const head = this.V + d;
    const cpt = this.creditsPerTslice;
    let sum = 0;
    for (let v = list.next[head]; v !== head; ) {
      const nextV = list.next[v];
      this.credit[v] += increment;
      let credit = this.credit[v];
      if (credit < 0) {
        this.pri[v] = CSCHED_PRI_TS_OVER;
        if (cap !== 0 && credit < -creditCap && (this.flags[v] & CSCHED_FLAG_VCPU_PARKED) === 0) {
          this.flags[v] |= CSCHED_FLAG_VCPU_PARKED;
          h.vcpuPause(v);
        }
        if (credit < -cpt) {
          credit = -cpt;
          this.credit[v] = credit;
        }
      } else {
        this.pri[v] = CSCHED_PRI_TS_UNDER;
        if ((this.flags[v] & CSCHED_FLAG_VCPU_PARKED) !== 0) {
          // 3.4-4.3 unpause first so the wake sees PARKED and does not boost; later
          // releases cleared the flag first (the 2013 regression, fixed in 4.13).
          if (f.unparkClearsFirst) {
            this.flags[v] &= ~CSCHED_FLAG_VCPU_PARKED;
            h.vcpuUnpause(v);
          } else {
            h.vcpuUnpause(v);
            this.flags[v] &= ~CSCHED_FLAG_VCPU_PARKED;
          }
        }
        if (credit > cpt) {
          this.acctStop(v);
          credit = f.halveOnInactive ? Math.trunc(credit / 2) : 0;
          this.credit[v] = credit;
        }
      }
      sum += credit;
      v = nextV;
    }
    return sum;
  }

  private readonly onMasterTick = (_k: Kernel): void => {
    this.acct();
    this.masterTicker!.set(this.tsliceMs * MS);
  };

  /** csched_tick: per-pCPU accounting of the running vCPU, then the lazy runqueue sort. */
  private readonly onTick = (_k: Kernel, cpu: number): void => {
    this.tickCount[cpu]++;
    const cur = this.host.curr(cpu);
    if (this.host.vcpus.isIdle[cur] === 0) this.vcpuAcct(cpu, cur);
    if (
      this.flagsV.acctInMasterTick &&
      cpu === this.master &&
      this.tickCount[cpu] % CSCHED_TICKS_PER_TSLICE === 0
    )
      this.acct();
    this.runqSortCpu(cpu);
    this.ticker[cpu].set(this.tickPeriodNs);
  };

  /** csched_vcpu_acct: end BOOST, debit, activate, or check whether it should move. */
  private vcpuAcct(cpu: number, v: number): void {
    const h = this.host;
    if (this.pri[v] === CSCHED_PRI_TS_BOOST) {
      this.pri[v] = CSCHED_PRI_TS_UNDER;
      const tr = h.trace;
      if (tr.on) tr.rec(cpu, h.k.now, TRC_CSCHED_BOOST_END, 2, h.vcpus.domid[v], h.vcpus.vcpuId[v], 0, 0, 0);
    }
    if (this.flagsV.sampledDebit) this.credit[v] -= CSCHED_CREDITS_PER_TICK;
    else this.burnCredits(v, h.k.now);
    if (!this.active.onList(v)) {
      this.acctStart(v);
    } else if (this.cpuPick(v, false) !== cpu) {
      h.vcpus.pauseFlags[v] |= VPF_migrating;
      h.raiseLocal(cpu);
    }
  }

  // ---- wake, sleep, yield ------------------------------------------------------------

  /** csched_vcpu_sleep. */
  sleep(v: number): void {
    const cpu = this.host.vcpus.processor[v];
    if (this.host.curr(cpu) === v) this.host.raiseLocal(cpu);
    else if (this.runq.onList(v)) this.runq.remove(v);
  }

  /** csched_vcpu_wake: boost an UNDER vCPU (not parked, not migrating), queue it, tickle. */
  wake(v: number): void {
    const h = this.host;
    if (h.curr(h.vcpus.processor[v]) === v) return;
    if (this.runq.onList(v)) return;
    let migrating = false;
    if (this.flagsV.noBoostOnMigrate) {
      migrating = (this.flags[v] & CSCHED_FLAG_VCPU_MIGRATING) !== 0;
      this.flags[v] &= ~CSCHED_FLAG_VCPU_MIGRATING;
    }
    if (
      !migrating &&
      this.pri[v] === CSCHED_PRI_TS_UNDER &&
      (this.flags[v] & CSCHED_FLAG_VCPU_PARKED) === 0
    ) {
      this.pri[v] = CSCHED_PRI_TS_BOOST;
      const tr = h.trace;
      if (tr.on)
        tr.rec(
          h.vcpus.processor[v],
          h.k.now,
          TRC_CSCHED_BOOST_START,
          2,
          h.vcpus.domid[v],
          h.vcpus.vcpuId[v],
          0,
          0,
          0,
        );
    }
    this.runqInsert(v);
    this.runqTickle(v);
  }

  /** csched_vcpu_yield (4.1+; before, yield was a plain reschedule). */
  yield(v: number): void {
    if (this.flagsV.yieldBehindLower) this.flags[v] |= CSCHED_FLAG_VCPU_YIELD;
  }

  contextSaved(_v: number): void {}

  /** Whether soft affinity differs usefully from hard (__vcpu_has_soft_affinity). */
  private hasSoftAffinity(v: number, mask: CpuMask): boolean {
    if (!this.flagsV.softAffinity) return false;
    const vt = this.host.vcpus;
    const soft = vt.soft[v];
    return !this.host.topo.online.subsetOf(soft) && !vt.hard[v].subsetOf(soft) && soft.intersects(mask);
  }

  /** csched_balance_cpumask: soft & hard for the soft step (hard if that is empty), hard otherwise. */
  private balanceMask(v: number, step: number, out: CpuMask): CpuMask {
    const vt = this.host.vcpus;
    if (step === STEP_SOFT) {
      out.and(vt.soft[v], vt.hard[v]);
      if (out.isEmpty()) out.copy(vt.hard[v]);
    } else out.copy(vt.hard[v]);
    return out;
  }

  /**
   * __runq_tickle: which pCPUs get a SCHEDULE_SOFTIRQ IPI because `v` became runnable.
   * 3.4-4.2: its own pCPU if v outranks the current vCPU, and, if that pCPU is busy, the
   * idlers in v's affinity (4.1: only one, round robin). 4.3+: its pCPU if idle, or if
   * no idler exists and v outranks current; otherwise one suitable idler, or, if none,
   * preempt current (flagging it to migrate to an idler).
   */
  private runqTickle(v: number): void {
    const h = this.host;
    const vt = h.vcpus;
    const f = this.flagsV;
    const cpu = vt.processor[v];
    const cur = h.curr(cpu);
    const mask = this.mTickle;
    mask.clearAll();
    if (!f.smartTickle) {
      if (this.pri[v] > this.pri[cur]) mask.set(cpu);
      if (this.pri[cur] > CSCHED_PRI_IDLE && !this.idlers.isEmpty()) {
        const idle = this.mIdle.and(this.idlers, vt.hard[v]);
        if (f.tickleOneIdler) {
          if (!idle.isEmpty()) {
            this.lastTickleCpu[cpu] = idle.cycle(this.lastTickleCpu[cpu]);
            mask.set(this.lastTickleCpu[cpu]);
          }
        } else mask.or(mask, idle);
        mask.and(mask, vt.hard[v]);
      }
    } else {
      const idleMask = this.mIdle.and(this.idlers, h.topo.online);
      const idlersEmpty = idleMask.isEmpty();
      if (this.pri[cur] === CSCHED_PRI_IDLE || (idlersEmpty && this.pri[v] > this.pri[cur])) {
        mask.set(cpu);
      } else if (!idlersEmpty) {
        for (let step = STEP_SOFT; step <= STEP_HARD; step++) {
          if (step === STEP_SOFT && !this.hasSoftAffinity(v, vt.hard[v])) continue;
          const suit = this.balanceMask(v, step, this.mA);
          suit.and(suit, idleMask);
          const none = suit.isEmpty();
          if (none && step === STEP_SOFT) continue;
          if (none && this.pri[v] > this.pri[cur]) {
            if (!f.kickOnlyIfIdlerFits || vt.hard[cur].intersects(idleMask))
              vt.pauseFlags[cur] |= VPF_migrating;
            mask.set(cpu);
          } else if (!none) {
            if (f.tickleOneIdler) {
              this.lastTickleCpu[cpu] = suit.cycle(this.lastTickleCpu[cpu]);
              mask.set(this.lastTickleCpu[cpu]);
            } else mask.or(mask, suit);
          }
          if (!mask.isEmpty()) break;
        }
      }
    }
    const tr = h.trace;
    for (let c = mask.first(); c >= 0; c = mask.next(c)) {
      this.tickles++;
      if (tr.on) tr.rec(cpu, h.k.now, TRC_CSCHED_TICKLE, 1, c, 0, 0, 0, 0);
      if (f.tickledLeaveIdlers) this.idlers.clear(c);
      h.tickle(c);
    }
  }

  // ---- pick_cpu ----------------------------------------------------------------------

  /** csched_cpu_pick: the pCPU `v` should run on (committing the idle bias; 4.7+ marks it migrating). */
  pickCpu(v: number): number {
    if (this.flagsV.noBoostOnMigrate) this.flags[v] |= CSCHED_FLAG_VCPU_MIGRATING;
    return this.cpuPick(v, true);
  }

  /**
   * _csched_cpu_pick: start from v's pCPU (counted idle as if v were gone), then walk the
   * other idle candidates and move to one whose neighbourhood is idler: same socket ->
   * compare idle threads of the two cores; other socket -> idle threads of the two
   * sockets (4.1+: the other socket needs twice as many). Spreads work over cores and
   * sockets before doubling up on SMT siblings.
   */
  private cpuPick(v: number, commit: boolean): number {
    const h = this.host;
    const vt = h.vcpus;
    const topo = h.topo;
    const f = this.flagsV;
    const cpus = this.mCpus;
    const idlers = this.mIdlers;
    let cpu = vt.processor[v];
    let spc = -1;
    for (let step = STEP_SOFT; step <= STEP_HARD; step++) {
      if (step === STEP_SOFT) {
        cpus.and(vt.hard[v], topo.online);
        if (!this.hasSoftAffinity(v, cpus)) continue;
      }
      this.balanceMask(v, step, cpus);
      cpus.and(cpus, topo.online);
      cpu = cpus.test(vt.processor[v]) ? vt.processor[v] : cpus.cycle(vt.processor[v]);
      idlers.and(topo.online, this.idlers);
      if (!f.pickDiscountRunqIdle) idlers.set(cpu);
      else if (vt.processor[v] === cpu && this.isRunqIdle(cpu)) idlers.set(cpu);
      cpus.and(cpus, idlers);
      if (f.pickDiscountRunqIdle && !cpus.test(cpu) && !cpus.isEmpty()) cpu = cpus.cycle(cpu);
      cpus.clear(cpu);
      while (!cpus.isEmpty()) {
        const nxt = cpus.cycle(cpu);
        let factor = 1;
        const cpuIdlers = this.mA;
        const nxtIdlers = this.mB;
        if (topo.coreMask[nxt].test(cpu)) {
          cpuIdlers.and(idlers, topo.siblingMask[cpu]);
          nxtIdlers.and(idlers, topo.siblingMask[nxt]);
        } else {
          if (f.crossSocket2x) factor = 2;
          cpuIdlers.and(idlers, topo.coreMask[cpu]);
          nxtIdlers.and(idlers, topo.coreMask[nxt]);
        }
        const wCpu = cpuIdlers.weight();
        const wNxt = nxtIdlers.weight();
        if (wCpu * factor < wNxt) {
          if (f.idleBias) {
            nxtIdlers.and(cpus, nxtIdlers);
            spc = nxt;
            cpu = nxtIdlers.cycle(this.idleBias[nxt]);
            if (commit && !f.pickDiscountRunqIdle) this.idleBias[nxt] = cpu;
          } else cpu = nxt;
          cpus.andNot(cpus, topo.siblingMask[cpu]);
        } else {
          cpus.andNot(cpus, nxtIdlers);
        }
      }
      if (idlers.test(cpu)) break;
    }
    if (commit && spc >= 0 && f.pickDiscountRunqIdle) this.idleBias[spc] = cpu;
    const tr = h.trace;
    if (tr.on)
      tr.rec(vt.processor[v], h.k.now, TRC_CSCHED_PICKED_CPU, 3, vt.domid[v], vt.vcpuId[v], cpu, 0, 0);
    return cpu;
  }

  // ---- schedule ----------------------------------------------------------------------

  /**
   * csched_schedule: debit the current vCPU, keep it if ratelimited, else requeue it and
   * take the runqueue head; if that is OVER or IDLE, try to steal better work.
   * Hot path: benchmarked by `sched.credit`.
   */
  doSchedule(cpu: number, now: number, out: TaskSlice): number {
    const h = this.host;
    const vt = h.vcpus;
    const f = this.flagsV;
    const scurr = h.curr(cpu);
    const currIdle = vt.isIdle[scurr] === 1;
    let runtime = now - vt.stateEntry[scurr];
    if (runtime < 0) runtime = 0;
    if (!currIdle) {
      if (!f.sampledDebit) {
        this.burnCredits(scurr, now);
        this.startTime[scurr] -= now;
      }
    } else this.pri[scurr] = CSCHED_PRI_IDLE;
    const rl = this.ratelimitNs;
    if (
      rl > 0 &&
      !currIdle &&
      vt.runnable(scurr) &&
      runtime < rl &&
      !(f.yieldSkipsRatelimit && (this.flags[scurr] & CSCHED_FLAG_VCPU_YIELD) !== 0)
    ) {
      this.startTime[scurr] += now;
      out.time = f.ratelimitRemaining ? (runtime < CSCHED_MIN_TIMER ? CSCHED_MIN_TIMER : rl - runtime) : rl;
      return scurr;
    }
    if (vt.runnable(scurr)) this.runqInsert(scurr);
    const head = this.V + cpu;
    let snext = this.runq.next[head];
    this.flags[scurr] &= ~CSCHED_FLAG_VCPU_YIELD;
    if (this.pri[snext] > CSCHED_PRI_TS_OVER) this.runq.remove(snext);
    else snext = this.loadBalance(cpu, snext, out);
    if (this.pri[snext] === CSCHED_PRI_IDLE) this.idlers.set(cpu);
    else this.idlers.clear(cpu);
    const nextIdle = vt.isIdle[snext] === 1;
    if (!nextIdle && !f.sampledDebit) this.startTime[snext] += now;
    out.time = nextIdle ? -1 : this.tsliceMs * MS;
    return snext;
  }

  /**
   * csched_load_balance: visit busy peers (not idlers) in order after `cpu` and steal the
   * first vCPU of strictly higher priority than `snext` that may run here and is not
   * cache-hot. Two passes with soft affinity (4.5+): soft-affine work first.
   */
  private loadBalance(cpu: number, snext: number, out: TaskSlice): number {
    const h = this.host;
    const online = h.topo.online;
    const idlers = this.idlers;
    const P = h.topo.nrCpus;
    const pri = this.pri[snext];
    for (let step = STEP_SOFT; step <= STEP_HARD; step++) {
      if (step === STEP_SOFT && !this.flagsV.softAffinity) continue;
      // The peers (online, not idle, not us) in cpumask_cycle order from `cpu`. Walking
      // the pCPU numbers is the same order as cycling a snapshot of that mask, without
      // the mask work; `idlers` cannot change during the walk. Hot path: sched.credit.
      const rqNext = this.runq.next;
      const prio = this.pri;
      const V = this.V;
      for (let i = 1; i < P; i++) {
        let peer = cpu + i;
        if (peer >= P) peer -= P;
        // A peer whose runqueue head is not better than ours has nothing for us (the first
        // test of csched_runq_steal, done here to skip the call for most peers).
        const first = rqNext[V + peer];
        if (first === V + peer || prio[first] <= pri) continue;
        if (idlers.test(peer) || !online.test(peer)) continue;
        const speer = this.runqSteal(peer, cpu, pri, step);
        if (speer >= 0) {
          out.migrated = true;
          return speer;
        }
      }
    }
    this.runq.remove(snext);
    return snext;
  }

  /** csched_runq_steal: take from `peer`'s runqueue (not from an idle peer, which is about to run it). */
  private runqSteal(peer: number, cpu: number, pri: number, step: number): number {
    const rq = this.runq;
    const head = this.V + peer;
    // Nothing better than `pri` at the head: this peer is useless to us (checked first: cheap).
    const first = rq.next[head];
    if (first === head || this.pri[first] <= pri) return -1;
    const h = this.host;
    const vt = h.vcpus;
    if (vt.isIdle[h.curr(peer)] === 1) return -1;
    const now = h.k.now;
    for (let it = rq.next[head]; it !== head; it = rq.next[it]) {
      if (this.pri[it] <= pri) break;
      if (step === STEP_SOFT && !this.hasSoftAffinity(it, vt.hard[it])) continue;
      const mask = this.balanceMask(it, step, this.mA);
      const hot = now - vt.lastRunTime[it] < this.migrationDelayNs;
      if (vt.isRunning[it] === 0 && !hot && mask.test(cpu)) {
        const tr = h.trace;
        if (tr.on) tr.rec(cpu, now, TRC_CSCHED_STOLEN_VCPU, 3, peer, vt.domid[it], vt.vcpuId[it], 0, 0);
        rq.remove(it);
        vt.processor[it] = cpu;
        this.steals++;
        return it;
      }
    }
    return -1;
  }

  // ---- adjust and dump ---------------------------------------------------------------

  /** csched_dom_cntl putinfo: weight (1..65535) and cap (percent, 0 = none). */
  adjust(d: Domain, params: SchedParams): void {
    const i = d.index;
    if (params.weight !== undefined && params.weight !== 0) {
      const w = params.weight;
      if (this.activeDoms.onList(i))
        this.weight += this.flagsV.perVcpuWeight
          ? (w - this.sdomWeight[i]) * this.activeCount[i]
          : w - this.sdomWeight[i];
      this.sdomWeight[i] = w;
      d.weight = w;
    }
    if (params.cap !== undefined) {
      this.sdomCap[i] = params.cap;
      d.cap = params.cap;
    }
  }

  /** csched_sys_cntl putinfo: tslice_ms and ratelimit_us (4.2+). */
  adjustGlobal(params: SchedParams): void {
    const next: CreditParams = {
      tsliceMs: params.tslice_ms ?? this.tsliceMs,
      ratelimitUs: params.ratelimit_us ?? this.ratelimitNs / 1000,
      migrationDelayUs: params.migration_delay_us ?? this.migrationDelayNs / 1000,
    };
    const problems = checkCreditParams(next, this.flagsV);
    if (problems.length > 0) throw new RangeError(`credit parameters: ${problems.join("; ")}`);
    this.setTslice(next.tsliceMs);
    this.ratelimitNs = next.ratelimitUs * 1000;
    this.migrationDelayNs = next.migrationDelayUs * 1000;
  }

  globals(): Record<string, number> {
    return {
      tslice_ms: this.tsliceMs,
      ratelimit_us: this.ratelimitNs / 1000,
      tick_period_us: this.tickPeriodNs / 1000,
      migration_delay_us: this.migrationDelayNs / 1000,
    };
  }

  /** csched_dump_vcpu: "[1.0] pri=-1 flags=0 cpu=2 credit=-38 [w=256,cap=0]". */
  dumpVcpu(v: number): string {
    const vt = this.host.vcpus;
    const base = `[${vt.domid[v]}.${vt.vcpuId[v]}] pri=${this.pri[v]} flags=${this.flags[v].toString(16)} cpu=${vt.processor[v]}`;
    if (vt.isIdle[v]) return base;
    const d = vt.dom[v];
    return `${base} credit=${this.credit[v]} [w=${this.sdomWeight[d]},cap=${this.sdomCap[d]}]`;
  }

  /** csched_dump: the scheduler-wide block of the 'r' debug key. */
  dumpSettings(): string[] {
    const P = this.host.topo.nrCpus;
    const lines = [
      "info:",
      `\tncpus              = ${P}`,
      `\tmaster             = ${this.master}`,
      `\tcredit             = ${this.creditTotal}`,
      `\tcredit balance     = ${this.creditBalance}`,
      `\tweight             = ${this.weight}`,
      `\trunq_sort          = ${this.runqSort}`,
      "\tdefault-weight     = 256",
      `\ttslice             = ${this.tsliceMs}ms`,
      `\tratelimit          = ${this.ratelimitNs / 1000}us`,
      `\tcredits per msec   = ${CSCHED_CREDITS_PER_MSEC}`,
      `\tticks per tslice   = ${this.ticksPerTslice}`,
      `\tmigration delay    = ${this.migrationDelayNs / 1000}us`,
      `idlers: ${bitmapHex(this.idlers)}`,
      "active vcpus:",
    ];
    let n = 0;
    const doms = this.activeDoms;
    for (let d = doms.next[this.V]; d !== this.V; d = doms.next[d])
      for (const v of this.active.toArray(this.V + d))
        lines.push(`\t${String(++n).padStart(3)}: ${this.dumpVcpu(v)}`);
    return lines;
  }

  /** csched_dump_pcpu: " sort=N, sibling=..., core=..." then the running vCPU and the runqueue. */
  dumpCpuState(cpu: number): string[] {
    const topo = this.host.topo;
    const lines = [
      ` sort=${this.runqSortLast[cpu]}, sibling=${bitmapHex(topo.siblingMask[cpu])}, core=${bitmapHex(topo.coreMask[cpu])}`,
      `\trun: ${this.dumpVcpu(this.host.curr(cpu))}`,
    ];
    this.runqueue(cpu).forEach((v, i) => {
      lines.push(`\t${String(i + 1).padStart(3)}: ${this.dumpVcpu(v)}`);
    });
    return lines;
  }
}

/** bitmap_scnprintf as Xen prints cpumasks: 32-bit hex chunks, most significant first, comma-separated. */
export function bitmapHex(m: CpuMask): string {
  const chunks: string[] = [];
  const nWords = Math.ceil(m.nbits / 32);
  for (let i = nWords - 1; i >= 0; i--) {
    const bitsInChunk = i === nWords - 1 ? m.nbits - 32 * i : 32;
    const width = Math.ceil(bitsInChunk / 4);
    chunks.push((m.words[i] >>> 0).toString(16).padStart(width, "0"));
  }
  return chunks.join(",");
}
