/**
 * The fluid side of the cross-tier check: how much CPU each VM receives on one host under
 * Xen's Credit scheduler, predicted by the fluid tier's `credit` share (weighted max-min
 * with caps, see share-policy.ts), when VM demands change at known instants.
 *
 * The discrete tier runs the same host event by event (30 ms slices, 10 ms ticks, credit
 * accounting every 30 ms); over a long enough window its per-VM CPU time should match this
 * prediction. Units: capacity in "core units" (coreMips = 1 gives CPU-seconds in
 * core-seconds; pass MIPS to get MIPS-seconds).
 *
 * Assumptions (where the fluid view is coarser than Credit):
 * - pCPUs are one pool: a VM's share may be spread over cores (Credit's load balancing
 *   moves vCPUs; a fluid cannot see which core runs what), bounded by vCPUs x core;
 * - within a VM the share is spread evenly over its vCPUs (no per-vCPU demand);
 * - BOOST and latency effects average out over the window (they move CPU time between
 *   instants, not between VMs, for CPU-bound and periodic loads).
 */
import { creditCapMips, creditShare } from "./share-policy.js";

export interface CreditVmSpec {
  /** Credit weight (xl `cpu_weight`, default 256). */
  weight: number;
  /** Credit cap in percent of one core, 0 = none (xl `cap`). */
  capPercent: number;
  vcpus: number;
}

export interface DemandStep {
  /** Start of the step, seconds (steps in increasing order, the first usually 0). */
  start: number;
  /** Demand of each VM during the step, in core units (a CPU hog with k vCPUs wants k). */
  demands: readonly number[];
}

/**
 * CPU each VM receives over [steps[0].start, end] (core-seconds x coreMips).
 * @param cores physical cores of the host; @param coreMips capacity of one core
 */
export function creditCpuReceived(
  cores: number,
  coreMips: number,
  vms: readonly CreditVmSpec[],
  steps: readonly DemandStep[],
  end: number,
): Float64Array {
  const n = vms.length;
  const received = new Float64Array(n);
  const bound = new Float64Array(n);
  const weight = Float64Array.from(vms, (v) => v.weight);
  const alloc = new Float64Array(n);
  const order = new Int32Array(n);
  const capacity = cores * coreMips;
  steps.forEach((step, s) => {
    const stop = s + 1 < steps.length ? steps[s + 1].start : end;
    if (!(stop >= step.start)) throw new RangeError(`demand steps must be in time order (step ${s})`);
    if (step.demands.length !== n)
      throw new RangeError(`step ${s} gives ${step.demands.length} demands for ${n} VMs`);
    for (let i = 0; i < n; i++) {
      const v = vms[i];
      bound[i] = Math.min(
        step.demands[i] * coreMips,
        creditCapMips(v.capPercent, coreMips),
        v.vcpus * coreMips,
      );
    }
    creditShare(capacity, n, bound, weight, alloc, order);
    for (let i = 0; i < n; i++) received[i] += alloc[i] * (stop - step.start);
  });
  return received;
}
