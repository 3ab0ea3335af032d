/**
 * VM selection, the second step of consolidation: which VM to take off an overloaded host
 * (Beloglazov and Buyya, CCPE 2012, section 6.2; CloudSim `PowerVmSelectionPolicy*`). Only
 * VMs not already migrating qualify; ties go to the first in the host's list.
 *
 * - MMT (minimum migration time): the VM with the least memory (time = memory / bandwidth).
 * - MU (minimum utilisation): the VM with the lowest current utilisation.
 * - RS (random selection): uniform over the candidates, from the run's seeded stream
 *   (CloudSim uses an unseeded `Random`, so its RS runs are not reproducible; ours are).
 * - MC (maximum correlation): the VM whose utilisation history has the highest R^2 against
 *   the histories of the other candidates (multiple linear regression); when that is
 *   undefined (fewer history points than candidates + 1) it falls back to MMT, as CloudSim
 *   does. If no R^2 is defined (all NaN) the first candidate is taken (CloudSim's maxIndex 0).
 */
import type { Rng } from "../../kernel/rng.js";
import type { FluidDatacenter } from "../fluid/fluid-datacenter.js";
import { VM_HISTORY_LENGTH } from "../fluid/fluid-datacenter.js";
import { rSquared } from "./multiple-correlation.js";

export const VM_SELECTIONS = ["mmt", "rs", "mc", "mu"] as const;
export type VmSelectionName = (typeof VM_SELECTIONS)[number];

/** Hosts rarely hold more than a dozen VMs; beyond this MC falls back to MMT. */
const MC_MAX_VMS = 32;

export class VmSelector {
  private readonly cand: number[] = [];
  private readonly x = new Float64Array(VM_HISTORY_LENGTH * MC_MAX_VMS);
  private readonly yv = new Float64Array(VM_HISTORY_LENGTH);
  private readonly scratch = new Float64Array((MC_MAX_VMS + 1) * (MC_MAX_VMS + 2));

  constructor(
    private readonly dc: FluidDatacenter,
    readonly policy: VmSelectionName,
    private readonly rng: Rng,
  ) {}

  /** The VM to migrate from a host whose members are `list` (normal entries only), or -1. */
  select(list: readonly number[]): number {
    const cand = this.cand;
    cand.length = 0;
    for (const e of list) if (e >= 0 && !this.dc.inMigration[e]) cand.push(e);
    if (cand.length === 0) return -1;
    switch (this.policy) {
      case "mmt":
        return this.minimumMigrationTime();
      case "mu":
        return this.minimumUtilisation();
      case "rs":
        return cand[this.rng.int(cand.length)];
      case "mc":
        return this.maximumCorrelation();
    }
  }

  private minimumMigrationTime(): number {
    let best = -1;
    let min = Number.POSITIVE_INFINITY;
    for (const v of this.cand) {
      if (this.dc.vmMemory[v] < min) {
        min = this.dc.vmMemory[v];
        best = v;
      }
    }
    return best;
  }

  private minimumUtilisation(): number {
    let best = -1;
    let min = Number.POSITIVE_INFINITY;
    for (const v of this.cand) {
      const u = this.dc.demand[v] / this.dc.vmMips[v];
      if (u < min) {
        min = u;
        best = v;
      }
    }
    return best;
  }

  private maximumCorrelation(): number {
    const dc = this.dc;
    const cand = this.cand;
    const n = cand.length;
    let m = VM_HISTORY_LENGTH;
    for (const v of cand) m = Math.min(m, dc.historyLength(v));
    // flanagan's Regression needs n - 1 regressors, an intercept and > 0 degrees of freedom.
    if (n < 2 || n > MC_MAX_VMS || m - n <= 0) return this.minimumMigrationTime();
    const k = n - 1;
    let best = 0;
    let bestR2 = Number.MIN_VALUE;
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < m; r++) {
        this.yv[r] = dc.historyAt(cand[i], r);
        let c = 0;
        for (let j = 0; j < n; j++) if (j !== i) this.x[r * k + c++] = dc.historyAt(cand[j], r);
      }
      const r2 = rSquared(this.x, this.yv, m, k, this.scratch);
      if (r2 > bestR2) {
        bestR2 = r2;
        best = i;
      }
    }
    return cand[best];
  }
}
