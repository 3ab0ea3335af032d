/**
 * vCPU runstates, as `struct vcpu_runstate_info` reports them (xen/include/public/vcpu.h):
 * the state and the total time spent in each, accumulated in ns since creation.
 *
 * The codes are Xen's RUNSTATE_* values; they also form the trace event of a runstate
 * change (TRC_SCHED_RUNSTATE_CHANGE | old << 8 | new << 4), so they must not change.
 */

/** On a pCPU now. */
export const RUNSTATE_running = 0;
/** Wants to run, waiting in a runqueue. */
export const RUNSTATE_runnable = 1;
/** Blocked on an event (SCHEDOP_block): not runnable until woken. */
export const RUNSTATE_blocked = 2;
/** Not runnable for another reason: paused, down, parked by a cap, being migrated. */
export const RUNSTATE_offline = 3;

export const RUNSTATE_NAMES = ["running", "runnable", "blocked", "offline"] as const;
export type RunstateName = (typeof RUNSTATE_NAMES)[number];

/**
 * Whether Xen's core (xen/common/schedule.c) can move a vCPU from `from` to `to`.
 * running -> any other; runnable -> running or offline (paused while queued);
 * blocked -> runnable (woken) or offline (woken while paused); offline -> runnable
 * (unpaused, or woken after a migration).
 */
export function runstateEdgeAllowed(from: number, to: number): boolean {
  return from >= 0 && from < 4 && to >= 0 && to < 4 && EDGES[from * 4 + to] === 1;
}

/** EDGES[from * 4 + to] = 1 when Xen's core can make that change (hot path: a table, not a switch). */
// biome-ignore format: a 4x4 matrix reads best as one
const EDGES = new Uint8Array([
  /* running  -> */ 0, 1, 1, 1,
  /* runnable -> */ 1, 0, 0, 1,
  /* blocked  -> */ 0, 1, 0, 1,
  /* offline  -> */ 0, 1, 0, 0,
]);
