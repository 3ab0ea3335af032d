/**
 * The hypervisor's AER handler: what Xen does when a root port reports an error from a
 * function, chosen by severity and by who owns the function (the "Mission-critical Xen"
 * talk, seed-talks T15: errors contained by the hypervisor and reported to the domain
 * they affect; Linux's AER recovery, drivers/pci/pcie/aer/aerdrv_core.c, for the
 * reset steps dom0 performs). Three actions:
 *  - report-to-dom0: log and clear the status; dom0's AER driver (and, for an assigned
 *    function, the guest through its virtual AER) is told; the device keeps running;
 *  - reset-link: a secondary bus reset on the port above the function (Linux
 *    pci_reset_secondary_bus), which resets every function below it (an SR-IOV PF's VFs
 *    disappear), then dom0 restores the saved config state and re-enables VFs;
 *  - take-device: the function is taken from its guest (deassigned, hot-removed from the
 *    guest's slot), reset with FLR, and optionally given back (hot-added again).
 * A function owned by dom0 has no guest to take it from: take-device becomes reset-link.
 */
import type { AerSeverity } from "../pci/pcie-aer.js";

export const AER_ACTIONS = ["report-to-dom0", "reset-link", "take-device"] as const;
export type AerAction = (typeof AER_ACTIONS)[number];

export type AerPolicy = Record<AerSeverity, AerAction>;

/** Correctable and non-fatal errors are reported; a fatal one takes the device from its guest. */
export const DEFAULT_AER_POLICY: AerPolicy = {
  correctable: "report-to-dom0",
  nonfatal: "report-to-dom0",
  fatal: "take-device",
};

/** The action for an error of `severity` on a function owned by a guest (or by dom0). */
export function decideAerAction(policy: AerPolicy, severity: AerSeverity, ownedByGuest: boolean): AerAction {
  const a = policy[severity];
  return a === "take-device" && !ownedByGuest ? "reset-link" : a;
}

/** Durations of the recovery steps, ns (defaults and sources in src/hw/iommu/README.md). */
export interface RecoveryTiming {
  /** Root port interrupt to Xen's handler deciding (assumed 50 us: an IRQ, a softirq). */
  handlerLatency: number;
  /** FLR: the function must complete within 100 ms (PCIe 2.0 §6.6.2; Linux pcie_flr msleep(100)). */
  flr: number;
  /** Secondary bus reset: assert, wait, deassert, wait (Linux 2.6.3x: msleep(100) twice). */
  linkReset: number;
  /** After VF Enable, 100 ms before VFs answer (SR-IOV 1.1 §3.3.3.1). */
  vfEnable: number;
}

export const DEFAULT_RECOVERY_TIMING: RecoveryTiming = {
  handlerLatency: 50_000,
  flr: 100_000_000,
  linkReset: 200_000_000,
  vfEnable: 100_000_000,
};
