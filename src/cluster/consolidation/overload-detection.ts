/**
 * Host overload detection, the first step of dynamic consolidation (Beloglazov and Buyya,
 * CCPE 2012, section 6.1; CloudSim `PowerVmAllocationPolicyMigration*`):
 *
 * - THR (static threshold): overloaded if the VMs' demand / capacity > t (t = 0.8 or 1.0).
 * - IQR: adaptive threshold 1 - s x IQR(history), s = 1.5.
 * - MAD: adaptive threshold 1 - s x MAD(history), s = 2.5.
 * - LR / LRR: fit a (robust) local regression to the last 10 history values, predict the
 *   utilisation one migration ahead, x = 10 + ceil(longest migration / interval); overloaded
 *   if s x prediction >= 1, s = 1.2.
 * IQR and MAD need at least 12 non-zero-tailed history values and LR/LRR 10; with fewer (the
 * first hour of the day, a new host) they fall back to THR 0.7, as the paper's setup does.
 *
 * The host history is CloudSim's `PowerHostUtilizationHistory`: the sum over the host's VMs
 * of each VM's utilisation history x VM MIPS / host MIPS, newest first, trailing zeros cut -
 * so a host's history follows its current VMs, and "after allocation" checks (placement)
 * include the candidate VM. Demand here is the VMs' requested MIPS, not their allocation.
 */
import { entryVm, type FluidDatacenter, VM_HISTORY_LENGTH } from "../fluid/fluid-datacenter.js";
import { type FitScratch, fitUtilisationTrend, type LineFit, type LrFit } from "./local-regression.js";
import { interquartileRange, medianAbsoluteDeviation } from "./robust-stats.js";

export const OVERLOAD_DETECTORS = ["thr", "iqr", "mad", "lr", "lrr"] as const;
export type OverloadDetectorName = (typeof OVERLOAD_DETECTORS)[number];

/** History values IQR and MAD need ("12 has been suggested as a safe value", CloudSim). */
export const MIN_HISTORY_ADAPTIVE = 12;
/** Observations the local regression uses ("to make the regression responsive enough"). */
export const LR_WINDOW = 10;
/** Threshold of the fallback static detector in the paper's setup. */
export const FALLBACK_THRESHOLD = 0.7;

export interface OverloadConfig {
  detector: OverloadDetectorName;
  /** Threshold (THR) or safety parameter s (IQR, MAD, LR, LRR). */
  parameter: number;
  fallbackThreshold: number;
  lrFit: LrFit;
  /** The consolidation interval in seconds (LR's look-ahead is in intervals). */
  intervalSeconds: number;
}

export class OverloadDetector {
  private readonly hist = new Float64Array(VM_HISTORY_LENGTH);
  private readonly s1 = new Float64Array(VM_HISTORY_LENGTH);
  private readonly s2 = new Float64Array(VM_HISTORY_LENGTH);
  private readonly y = new Float64Array(LR_WINDOW);
  private readonly fitScratch: FitScratch = {
    w: new Float64Array(LR_WINDOW),
    res: new Float64Array(LR_WINDOW),
  };
  private readonly line: LineFit = { intercept: 0, slope: 0 };
  // Per-host sums over a member list, reused while the list is unchanged (same stamp).
  private readonly baseHist: Float64Array;
  private readonly baseDemand: Float64Array;
  private readonly baseMemory: Float64Array;
  private readonly baseStamp: Float64Array;
  private demandNow = 0;
  private memoryNow = 0;

  constructor(
    private readonly dc: FluidDatacenter,
    readonly config: OverloadConfig,
  ) {
    this.baseHist = new Float64Array(dc.hosts * VM_HISTORY_LENGTH);
    this.baseDemand = new Float64Array(dc.hosts);
    this.baseMemory = new Float64Array(dc.hosts);
    this.baseStamp = new Float64Array(dc.hosts).fill(-1);
  }

  /**
   * Is host h overloaded with the VMs of `list` (entries as in FluidDatacenter.members),
   * plus VM `extra` when extra >= 0 (the "after allocation" check of placement)? `stamp`
   * identifies the list's contents (PlanState.stamp): sums over an unchanged list are reused.
   */
  isOverloaded(h: number, list: readonly number[], extra = -1, stamp = -1): boolean {
    this.gather(h, list, extra, stamp);
    const c = this.config;
    const demand = this.demandNow / this.dc.capacity[h];
    switch (c.detector) {
      case "thr":
        return demand > c.parameter;
      case "iqr":
      case "mad": {
        const n = this.historyLengthNow();
        if (n < MIN_HISTORY_ADAPTIVE) return demand > c.fallbackThreshold;
        const spread =
          c.detector === "iqr"
            ? interquartileRange(this.hist, n, this.s1)
            : medianAbsoluteDeviation(this.hist, n, this.s1, this.s2);
        return demand > 1 - c.parameter * spread;
      }
      case "lr":
      case "lrr":
        return this.regressionOverloaded(h, demand);
    }
  }

  private regressionOverloaded(h: number, demand: number): boolean {
    const c = this.config;
    if (this.historyLengthNow() < LR_WINDOW) return demand > c.fallbackThreshold;
    for (let j = 0; j < LR_WINDOW; j++) this.y[j] = this.hist[LR_WINDOW - 1 - j];
    if (!fitUtilisationTrend(this.y, LR_WINDOW, c.detector === "lrr", c.lrFit, this.fitScratch, this.line)) {
      return demand > c.fallbackThreshold;
    }
    // CloudSim getMaximumVmMigrationTime: the biggest VM's memory over the host's migration bandwidth.
    const longest =
      this.memoryNow / ((this.dc.bandwidth[h] * this.dc.options.migrationBandwidthFraction) / 8);
    const ahead = Math.ceil(longest / c.intervalSeconds);
    const predicted = (this.line.intercept + this.line.slope * (LR_WINDOW + ahead)) * c.parameter;
    return predicted >= 1;
  }

  /**
   * Sums over the list (and extra): demand (MIPS), the largest memory, and the host history
   * (CloudSim PowerHostUtilizationHistory: sum of VM history x VM MIPS / host MIPS, in list
   * order, the extra VM last) into this.hist.
   */
  private gather(h: number, list: readonly number[], extra: number, stamp: number): void {
    const dc = this.dc;
    const L = VM_HISTORY_LENGTH;
    const base = h * L;
    const needHistory = this.config.detector !== "thr";
    if (stamp < 0 || this.baseStamp[h] !== stamp) {
      let demand = 0;
      let memory = 0;
      const bh = this.baseHist;
      const vh = dc.history;
      bh.fill(0, base, base + L);
      const cap = dc.capacity[h];
      for (let i = 0; i < list.length; i++) {
        const v = entryVm(list[i]);
        demand += dc.demand[v];
        if (dc.vmMemory[v] > memory) memory = dc.vmMemory[v];
        if (!needHistory) continue;
        const k = dc.historyLength(v);
        const scale = dc.vmMips[v] / cap;
        const row = v * L;
        for (let j = 0; j < k; j++) bh[base + j] += vh[row + j] * scale;
      }
      this.baseDemand[h] = demand;
      this.baseMemory[h] = memory;
      this.baseStamp[h] = stamp;
    }
    this.demandNow = this.baseDemand[h];
    this.memoryNow = this.baseMemory[h];
    if (needHistory) for (let j = 0; j < L; j++) this.hist[j] = this.baseHist[base + j];
    if (extra < 0) return;
    this.demandNow += dc.demand[extra];
    if (dc.vmMemory[extra] > this.memoryNow) this.memoryNow = dc.vmMemory[extra];
    if (!needHistory) return;
    const k = dc.historyLength(extra);
    const scale = dc.vmMips[extra] / dc.capacity[h];
    const row = extra * L;
    for (let j = 0; j < k; j++) this.hist[j] += dc.history[row + j] * scale;
  }

  /** Length of this.hist after cutting trailing zeros (CloudSim MathUtil.trimZeroTail). */
  private historyLengthNow(): number {
    let n = VM_HISTORY_LENGTH;
    while (n > 0 && this.hist[n - 1] === 0) n--;
    return n;
  }

  /** Requested MIPS of the VMs / host capacity (may exceed 1). */
  demandFraction(h: number, list: readonly number[], extra = -1): number {
    this.gather(h, list, extra, -1);
    return this.demandNow / this.dc.capacity[h];
  }
}
