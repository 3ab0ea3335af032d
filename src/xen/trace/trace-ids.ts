/**
 * XenTrace event ids and header bits (xen/include/public/trace.h, Xen 4.17; the
 * scheduler-class ids from xen/common/sched/credit.c and credit2.c). An id is a 12-bit
 * class mask, a 4-bit subclass mask and a 12-bit event number (spec interfaces.md 1.1).
 */

// Classes and subclasses (bitmasks, matched with AND against the event mask).
export const TRC_GEN = 0x0001f000;
export const TRC_SCHED = 0x0002f000;
export const TRC_DOM0OP = 0x0004f000;
export const TRC_HVM = 0x0008f000;
export const TRC_MEM = 0x0010f000;
export const TRC_PV = 0x0020f000;
export const TRC_HW = 0x0080f000;
export const TRC_ALL = 0x0ffff000;
export const TRC_SCHED_MIN = 0x00021000;
export const TRC_SCHED_CLASS = 0x00022000;
export const TRC_SCHED_VERBOSE = 0x00028000;
export const TRC_DOM0_DOMOPS = 0x00041000;

// Generic records.
export const TRC_LOST_RECORDS = TRC_GEN + 1;
/** Filler a buffer writer puts before the end of its ring; readers skip it. */
export const TRC_TRACE_WRAP_BUFFER = TRC_GEN + 2;
/** Never produced by Xen: xentrace heads each per-pCPU window of the file with it. */
export const TRC_TRACE_CPU_CHANGE = TRC_GEN + 3;

// Runstate changes (TRC_SCHED_MIN): base | old << 8 | new << 4, payload [vcpu | dom << 16].
export const TRC_SCHED_RUNSTATE_CHANGE = TRC_SCHED_MIN + 1;
export const TRC_SCHED_CONTINUE_RUNNING = TRC_SCHED_MIN + 2;

// Verbose scheduling records (core, xen/common/sched/core.c).
export const TRC_SCHED_DOM_ADD = TRC_SCHED_VERBOSE + 1;
export const TRC_SCHED_DOM_REM = TRC_SCHED_VERBOSE + 2;
export const TRC_SCHED_SLEEP = TRC_SCHED_VERBOSE + 3;
export const TRC_SCHED_WAKE = TRC_SCHED_VERBOSE + 4;
export const TRC_SCHED_YIELD = TRC_SCHED_VERBOSE + 5;
export const TRC_SCHED_BLOCK = TRC_SCHED_VERBOSE + 6;
export const TRC_SCHED_SHUTDOWN = TRC_SCHED_VERBOSE + 7;
export const TRC_SCHED_CTL = TRC_SCHED_VERBOSE + 8;
export const TRC_SCHED_ADJDOM = TRC_SCHED_VERBOSE + 9;
export const TRC_SCHED_SWITCH = TRC_SCHED_VERBOSE + 10;
export const TRC_SCHED_S_TIMER_FN = TRC_SCHED_VERBOSE + 11;
export const TRC_SCHED_T_TIMER_FN = TRC_SCHED_VERBOSE + 12;
export const TRC_SCHED_DOM_TIMER_FN = TRC_SCHED_VERBOSE + 13;
export const TRC_SCHED_SWITCH_INFPREV = TRC_SCHED_VERBOSE + 14;
export const TRC_SCHED_SWITCH_INFNEXT = TRC_SCHED_VERBOSE + 15;
export const TRC_SCHED_SHUTDOWN_CODE = TRC_SCHED_VERBOSE + 16;
export const TRC_SCHED_SWITCH_INFCONT = TRC_SCHED_VERBOSE + 17;

// Domain create / destroy (xen/common/domain.c).
export const TRC_DOM0_DOM_ADD = TRC_DOM0_DOMOPS + 1;
export const TRC_DOM0_DOM_REM = TRC_DOM0_DOMOPS + 2;

/** Scheduler ids inside TRC_SCHED_CLASS events (bits 11..9 of the minor number). */
export const TRC_SCHED_CSCHED = 0;
export const TRC_SCHED_CSCHED2 = 1;
export const TRC_SCHED_ARINC653 = 3;
export const TRC_SCHED_RTDS = 4;
export const TRC_SCHED_SNULL = 5;
/** TRC_SCHED_CLASS_EVT(S, e). */
export function schedClassEvent(sched: number, e: number): number {
  return TRC_SCHED_CLASS | (sched << 9) | e;
}

// Credit (xen/common/sched/credit.c TRC_CSCHED_*).
export const TRC_CSCHED_SCHED_TASKLET = schedClassEvent(TRC_SCHED_CSCHED, 1);
export const TRC_CSCHED_ACCOUNT_START = schedClassEvent(TRC_SCHED_CSCHED, 2);
export const TRC_CSCHED_ACCOUNT_STOP = schedClassEvent(TRC_SCHED_CSCHED, 3);
export const TRC_CSCHED_STOLEN_VCPU = schedClassEvent(TRC_SCHED_CSCHED, 4);
export const TRC_CSCHED_PICKED_CPU = schedClassEvent(TRC_SCHED_CSCHED, 5);
export const TRC_CSCHED_TICKLE = schedClassEvent(TRC_SCHED_CSCHED, 6);
export const TRC_CSCHED_BOOST_START = schedClassEvent(TRC_SCHED_CSCHED, 7);
export const TRC_CSCHED_BOOST_END = schedClassEvent(TRC_SCHED_CSCHED, 8);
export const TRC_CSCHED_SCHEDULE = schedClassEvent(TRC_SCHED_CSCHED, 9);
export const TRC_CSCHED_RATELIMIT = schedClassEvent(TRC_SCHED_CSCHED, 10);
export const TRC_CSCHED_STEAL_CHECK = schedClassEvent(TRC_SCHED_CSCHED, 11);

// Record header bits (struct t_rec).
/** Bits 27..0 of the header: the event id. */
export const TRC_EVENT_MASK = 0x0fffffff;
/** TRACE_EXTRA_SHIFT: payload word count N sits in bits 30..28. */
export const TRACE_EXTRA_SHIFT = 28;
/** TRACE_EXTRA_MAX: at most 7 payload words. */
export const TRACE_EXTRA_MAX = 7;
/** TRC_HD_CYCLE_FLAG: bit 31 set when a 64-bit TSC follows the header. */
export const TRC_HD_CYCLE_FLAG = 0x80000000;

/** Runstate-change event id for old -> new (trace_runstate_change in core.c). */
export function runstateEvent(from: number, to: number): number {
  return TRC_SCHED_RUNSTATE_CHANGE | ((from & 3) << 8) | ((to & 3) << 4);
}

/** Names for dumps and summaries (xentrace_format's formats file, current trace.h). */
export const TRACE_EVENT_NAMES: ReadonlyMap<number, string> = new Map([
  [TRC_LOST_RECORDS, "lost_records"],
  [TRC_TRACE_WRAP_BUFFER, "wrap_buffer"],
  [TRC_TRACE_CPU_CHANGE, "cpu_change"],
  [TRC_SCHED_CONTINUE_RUNNING, "continue_running"],
  [TRC_SCHED_DOM_ADD, "sched_add_domain"],
  [TRC_SCHED_DOM_REM, "sched_rem_domain"],
  [TRC_SCHED_SLEEP, "domain_sleep"],
  [TRC_SCHED_WAKE, "domain_wake"],
  [TRC_SCHED_YIELD, "do_yield"],
  [TRC_SCHED_BLOCK, "do_block"],
  [TRC_SCHED_SHUTDOWN, "domain_shutdown"],
  [TRC_SCHED_CTL, "sched_ctl"],
  [TRC_SCHED_ADJDOM, "sched_adjdom"],
  [TRC_SCHED_SWITCH, "switch"],
  [TRC_SCHED_S_TIMER_FN, "s_timer_fn"],
  [TRC_SCHED_T_TIMER_FN, "t_timer_fn"],
  [TRC_SCHED_DOM_TIMER_FN, "dom_timer_fn"],
  [TRC_SCHED_SWITCH_INFPREV, "switch_infprev"],
  [TRC_SCHED_SWITCH_INFNEXT, "switch_infnext"],
  [TRC_SCHED_SHUTDOWN_CODE, "shutdown_code"],
  [TRC_SCHED_SWITCH_INFCONT, "switch_infcont"],
  [TRC_DOM0_DOM_ADD, "dom0_domain_add"],
  [TRC_DOM0_DOM_REM, "dom0_domain_rem"],
  [TRC_CSCHED_SCHED_TASKLET, "csched:sched_tasklet"],
  [TRC_CSCHED_ACCOUNT_START, "csched:acct_start"],
  [TRC_CSCHED_ACCOUNT_STOP, "csched:acct_stop"],
  [TRC_CSCHED_STOLEN_VCPU, "csched:stolen_vcpu"],
  [TRC_CSCHED_PICKED_CPU, "csched:pick_cpu"],
  [TRC_CSCHED_TICKLE, "csched:runq_tickle"],
  [TRC_CSCHED_BOOST_START, "csched:boost_start"],
  [TRC_CSCHED_BOOST_END, "csched:boost_end"],
  [TRC_CSCHED_SCHEDULE, "csched:schedule"],
  [TRC_CSCHED_RATELIMIT, "csched:ratelimit"],
  [TRC_CSCHED_STEAL_CHECK, "csched:load_balance"],
]);

/** Credit2's events (xen/common/sched/credit2.c TRC_CSCHED2_*; 18 is unused), for readers. */
const CSCHED2_EVENTS: [number, string][] = [
  [1, "tick"],
  [2, "runq_pos"],
  [3, "credit_burn"],
  [4, "credit_add"],
  [5, "tickle_check"],
  [6, "tickle"],
  [7, "credit_reset"],
  [8, "sched_tasklet"],
  [9, "update_load"],
  [10, "runq_assign"],
  [11, "update_vcpu_load"],
  [12, "update_runq_load"],
  [13, "tickle_new"],
  [14, "runq_max_weight"],
  [15, "migrate"],
  [16, "load_check"],
  [17, "load_balance"],
  [19, "pick_cpu"],
  [20, "runq_candidate"],
  [21, "schedule"],
  [22, "ratelimit"],
  [23, "runq_cand_check"],
];
for (const [e, name] of CSCHED2_EVENTS)
  (TRACE_EVENT_NAMES as Map<number, string>).set(schedClassEvent(TRC_SCHED_CSCHED2, e), `csched2:${name}`);

/** A readable name for any event id, "runstate_change running->blocked" for runstates. */
export function traceEventName(event: number): string {
  const e = event & TRC_EVENT_MASK;
  if ((e & ~0xff0) === TRC_SCHED_RUNSTATE_CHANGE) {
    const names = ["running", "runnable", "blocked", "offline"];
    return `runstate_change ${names[(e >> 8) & 3]}->${names[(e >> 4) & 3]}`;
  }
  return TRACE_EVENT_NAMES.get(e) ?? `0x${e.toString(16).padStart(8, "0")}`;
}
