/**
 * How a host's CPU capacity is shared among the VMs on it, recomputed at events only (the
 * fluid tier never steps time). Two policies:
 *
 * - `cloudsim`: CloudSim's `VmSchedulerTimeSharedOverSubscription`, which the Beloglazov and
 *   Buyya experiment uses. Each vCPU's request is first capped at one physical core; if the
 *   capped requests fit, each VM gets its capped request; if not, every VM gets
 *   floor(capped request x capacity / total requested) - demand-proportional scaling, the
 *   unmet demand being what SLATAH and the VM's under-allocation record. During a live
 *   migration the source copy gets 90% of its share (the 10% migration overhead) and the
 *   target reserves 10% of the VM's request for the incoming copy.
 * - `credit`: Xen's Credit scheduler seen as a fluid: weighted max-min fairness (water
 *   filling) where VM i may use at most min(demand, cap, vCPUs x core MIPS) and spare
 *   capacity left by satisfied or capped VMs goes to the others in proportion to weight
 *   (work-conserving). See `creditShare` and README "Relation to the discrete tier".
 *
 * Both are pure functions over caller-owned typed arrays (no allocation per call).
 */

export const SHARE_POLICIES = ["cloudsim", "credit"] as const;
export type SharePolicy = (typeof SHARE_POLICIES)[number];

/** Role of a VM copy on a host during live migration (CloudSim's migrating-in / -out sets). */
export const ROLE_NORMAL = 0;
/** The source copy of a migrating VM: gets 90% of its share. */
export const ROLE_OUT = 1;
/** The target copy of a migrating VM: the host reserves 10% of the VM's request for it. */
export const ROLE_IN = 2;

/** Fraction of its share a migrating VM keeps on the source (CloudSim: "performance degradation due to migration - 10%"). */
export const MIGRATION_SOURCE_FACTOR = 0.9;
/** Fraction of a migrating VM's request the target host reserves for the incoming copy. */
export const MIGRATION_TARGET_FACTOR = 0.1;

/**
 * CloudSim's time-shared oversubscription allocation on one host.
 *
 * @param capacity total MIPS of the host (cores x MIPS per core)
 * @param coreMips MIPS of one core: the most one vCPU can get
 * @param n number of VM copies on the host
 * @param request requested MIPS per copy (uncapped), read for [0, n)
 * @param role ROLE_* per copy
 * @param alloc output: allocated MIPS per copy
 * @returns the MIPS left unallocated (CloudSim's "available MIPS"; 0 when oversubscribed)
 */
export function cloudsimShare(
  capacity: number,
  coreMips: number,
  n: number,
  request: Float64Array,
  role: Uint8Array,
  alloc: Float64Array,
): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const capped = Math.min(request[i], coreMips);
    total += role[i] === ROLE_IN ? capped * MIGRATION_TARGET_FACTOR : capped;
  }
  if (total <= capacity) {
    for (let i = 0; i < n; i++) {
      const capped = Math.min(request[i], coreMips);
      const r = role[i];
      alloc[i] =
        r === ROLE_OUT
          ? capped * MIGRATION_SOURCE_FACTOR
          : r === ROLE_IN
            ? capped * MIGRATION_TARGET_FACTOR
            : capped;
    }
    return capacity - total;
  }
  const scale = capacity / total;
  for (let i = 0; i < n; i++) {
    const capped = Math.min(request[i], coreMips);
    const r = role[i];
    // CloudSim floors each oversubscribed allocation (VmSchedulerTimeSharedOverSubscription).
    alloc[i] = Math.floor(
      r === ROLE_OUT
        ? capped * scale * MIGRATION_SOURCE_FACTOR
        : r === ROLE_IN
          ? capped * MIGRATION_TARGET_FACTOR * scale
          : capped * scale,
    );
  }
  return 0;
}

/**
 * Credit as a fluid: weighted max-min fair shares with upper bounds (water filling).
 *
 * Math: VM i has weight w_i > 0 and bound b_i = min(demand_i, cap_i, vcpus_i x coreMips)
 * (cap_i = Infinity when uncapped). If sum b_i <= C every VM gets b_i. Otherwise find the
 * level L with sum_i min(b_i, L w_i) = C and give x_i = min(b_i, L w_i): VMs whose bound is
 * below their weighted fair share keep their bound, the rest split what remains in
 * proportion to weight. Computed by visiting VMs in increasing b_i / w_i (insertion sort on
 * a caller-owned index array; hosts hold tens of VMs).
 *
 * @param order scratch Int32Array of length >= n
 * @returns capacity left idle (0 unless every VM is bounded)
 */
export function creditShare(
  capacity: number,
  n: number,
  bound: Float64Array,
  weight: Float64Array,
  alloc: Float64Array,
  order: Int32Array,
): number {
  let sumBound = 0;
  for (let i = 0; i < n; i++) {
    if (!(weight[i] > 0)) throw new RangeError(`credit share: weight ${weight[i]} of VM ${i} must be > 0`);
    sumBound += bound[i];
  }
  if (sumBound <= capacity) {
    for (let i = 0; i < n; i++) alloc[i] = bound[i];
    return capacity - sumBound;
  }
  for (let i = 0; i < n; i++) {
    const key = bound[i] / weight[i];
    let j = i - 1;
    while (j >= 0 && bound[order[j]] / weight[order[j]] > key) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = i;
  }
  let left = capacity;
  let weightLeft = 0;
  for (let i = 0; i < n; i++) weightLeft += weight[i];
  for (let k = 0; k < n; k++) {
    const i = order[k];
    const fair = (left * weight[i]) / weightLeft;
    if (bound[i] <= fair) {
      alloc[i] = bound[i];
      left -= bound[i];
      weightLeft -= weight[i];
    } else {
      // Every remaining VM is bounded above its fair share: split `left` by weight.
      const level = left / weightLeft;
      for (let m = k; m < n; m++) alloc[order[m]] = level * weight[order[m]];
      return 0;
    }
  }
  return left;
}

/** Credit's `cap` (percent of one core, 0 = none) as a MIPS bound. */
export function creditCapMips(capPercent: number, coreMips: number): number {
  return capPercent > 0 ? (capPercent / 100) * coreMips : Number.POSITIVE_INFINITY;
}
