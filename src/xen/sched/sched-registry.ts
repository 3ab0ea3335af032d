/**
 * The schedulers a host can run, by Xen's `sched=` name. Credit is built; Credit2 and
 * RTDS are later issues and are refused with a plain message until they land.
 */
import type { XenHost } from "../xen-host.js";
import { CreditScheduler } from "./credit.js";
import { type CreditFlags, type CreditParams, creditFlagsFor, defaultCreditParams } from "./credit-params.js";
import type { SchedulerOps } from "./sched-ops.js";

export const BUILT_SCHEDULERS = ["credit"] as const;

export interface SchedulerChoice {
  name: string;
  /** Xen version whose behaviour to model ("3.4", "4.0", ...). */
  version: string;
  /** Scheduler parameters by model name (credit: tsliceMs, ratelimitUs, migrationDelayUs). */
  params?: Partial<CreditParams>;
  /** Single behaviour flags to override (credit: CreditFlags names). */
  flags?: Partial<CreditFlags>;
}

export function createScheduler(host: XenHost, choice: SchedulerChoice): SchedulerOps {
  switch (choice.name) {
    case "credit": {
      const flags = { ...creditFlagsFor(choice.version), ...choice.flags };
      const params = { ...defaultCreditParams(flags), ...choice.params };
      return new CreditScheduler(host, flags, params);
    }
    default:
      throw new RangeError(
        `scheduler "${choice.name}" is not built yet; this version has ${BUILT_SCHEDULERS.join(", ")}`,
      );
  }
}
