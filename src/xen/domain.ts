/**
 * A domain as the scheduling core sees it (xen/include/xen/sched.h `struct domain`,
 * the scheduling fields): id, name, weight, cap and its vCPUs. Cold data: read at
 * creation, by `adjust` and by dumps; the hot per-vCPU state is in VcpuTable.
 */
import type { DomId, VcpuIdx } from "./xen-ids.js";

/** Xen's default scheduling weight (CSCHED_DEFAULT_WEIGHT, CSCHED2_DEFAULT_WEIGHT). */
export const DEFAULT_WEIGHT = 256;

export interface DomainConfig {
  name: string;
  /** Scheduling weight, 1..65535 (xl.cfg `cpu_weight`). */
  weight: number;
  /** Percent of one pCPU, 0 = uncapped (xl.cfg `cap`). */
  cap: number;
  /** Memory in bytes (reported by `xl list`; no memory model yet). */
  memory: number;
}

export class Domain {
  readonly vcpus: VcpuIdx[] = [];
  weight: number;
  cap: number;

  constructor(
    /** Position in the host's domain list. */
    readonly index: number,
    readonly domid: DomId,
    readonly name: string,
    config: Pick<DomainConfig, "weight" | "cap">,
    readonly memory: number,
    readonly isIdle: boolean,
  ) {
    this.weight = config.weight;
    this.cap = config.cap;
  }
}
