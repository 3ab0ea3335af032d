/**
 * Policy names as the paper writes them: "LR-MMT-1.2" is the LR overload detector with
 * safety parameter 1.2 and MMT selection; "THR-MMT-0.8" uses threshold 0.8; "DVFS" and
 * "NPA" are the non-migrating benchmarks. `parsePolicyName` reads the lower-case form used
 * on the command line ("lr-mmt-1.2", "dvfs").
 */
import type { ConsolidationPolicy } from "./datacenter-sim.js";
import type { LrFit } from "./local-regression.js";
import { FALLBACK_THRESHOLD, OVERLOAD_DETECTORS, type OverloadDetectorName } from "./overload-detection.js";
import { VM_SELECTIONS, type VmSelectionName } from "./vm-selection.js";

export function policyLabel(p: ConsolidationPolicy): string {
  if (p.allocation === "dvfs") return "DVFS";
  if (p.allocation === "npa") return "NPA";
  return `${p.overload.detector.toUpperCase()}-${p.selection.toUpperCase()}-${trimNumber(p.overload.parameter)}`;
}

function trimNumber(x: number): string {
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

/** Reads "lr-mmt-1.2", "thr-rs-0.8", "dvfs", "npa" (case-insensitive); null if not a policy name. */
export function parsePolicyName(name: string, lrFit: LrFit = "loess"): ConsolidationPolicy | null {
  const s = name.trim().toLowerCase();
  const base = {
    detector: "thr" as OverloadDetectorName,
    parameter: 1,
    fallbackThreshold: FALLBACK_THRESHOLD,
    lrFit,
  };
  if (s === "dvfs" || s === "npa") return { allocation: s, overload: base, selection: "mmt" };
  const m = /^([a-z]+)-([a-z]+)-(\d+(?:\.\d+)?)$/.exec(s);
  if (!m) return null;
  const detector = m[1] as OverloadDetectorName;
  const selection = m[2] as VmSelectionName;
  if (!OVERLOAD_DETECTORS.includes(detector) || !VM_SELECTIONS.includes(selection)) return null;
  const parameter = Number(m[3]);
  if (!(parameter > 0)) return null;
  return { allocation: "migrate", overload: { ...base, detector, parameter }, selection };
}

/** The combinations of the paper's results table, in its order (section 7.4). */
export const PAPER_TABLE_POLICIES = [
  "npa",
  "dvfs",
  "thr-mmt-1.0",
  "thr-mmt-0.8",
  "iqr-mmt-1.5",
  "mad-mmt-2.5",
  "lrr-mmt-1.2",
  "lr-mmt-1.2",
] as const;

/** Every detector x selection combination at the paper's parameters, plus the benchmarks. */
export function allPaperCombinations(): string[] {
  const params: Record<OverloadDetectorName, string[]> = {
    thr: ["1.0", "0.8"],
    iqr: ["1.5"],
    mad: ["2.5"],
    lrr: ["1.2"],
    lr: ["1.2"],
  };
  const out: string[] = ["npa", "dvfs"];
  for (const d of ["thr", "iqr", "mad", "lrr", "lr"] as const) {
    for (const p of params[d]) for (const s of VM_SELECTIONS) out.push(`${d}-${s}-${p}`);
  }
  return out;
}
