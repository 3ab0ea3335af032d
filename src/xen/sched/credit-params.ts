/**
 * Credit's tunables and its behaviour across Xen versions, as data (STYLE.md 17, 18).
 * Behaviour that changed between releases is a flag chosen by `xen.version`, not a fork
 * of the scheduler; a scenario may override single flags to isolate one change.
 * Sources: spec scheduler.md 1.2 and 1.12, and the Xen commits named per flag.
 */

/** The versions whose Credit behaviour the model distinguishes, oldest first. */
export const CREDIT_VERSIONS = ["3.4", "4.0", "4.1", "4.2", "4.3", "4.5", "4.7", "4.8", "4.9"] as const;

export interface CreditFlags {
  /** 3.4: each tick debits a whole tick (100 credits) from whoever runs; no debit at schedule (`78c9b2a64b` removed it). */
  sampledDebit: boolean;
  /** 3.4: csched_acct runs from the master pCPU's tick, after that tick's own accounting. */
  acctInMasterTick: boolean;
  /** 4.0: pick_cpu rotates ties with a per-pCPU idle_bias (`de349fe6b0`). */
  idleBias: boolean;
  /** 4.1: weight is per vCPU, each active vCPU adds its domain's weight (`3a37d430ce`). */
  perVcpuWeight: boolean;
  /** 4.1: a vCPU leaving the active list keeps half its credit instead of 0 (`c92d5f4e0f`). */
  halveOnInactive: boolean;
  /** 4.1: a wake IPIs one idler (round robin), not all (`e4434634c4`, tickle_one_idle_cpu). */
  tickleOneIdler: boolean;
  /** 4.1: moving to another socket needs twice as many idlers there (`6d6b9b99aa`). */
  crossSocket2x: boolean;
  /** 4.1: a yielding vCPU is queued behind one lower-priority vCPU (`5fc9f5ef6c`). */
  yieldBehindLower: boolean;
  /** 4.2: sched_credit_tslice_ms and sched_ratelimit_us exist (`d0ac87b3c0`, `64908a0466`). */
  tsliceRatelimit: boolean;
  /** 4.3: burn_credits keeps a sub-credit residual instead of rounding. */
  residual: boolean;
  /** 4.3: tickle prefers waking an idler to preempting; kicks current away if new outranks it (`ebce2d836c`). */
  smartTickle: boolean;
  /** 4.3: pick_cpu counts its own pCPU idle only when the vCPU runs there with nothing queued (`750ec2271d`). */
  pickDiscountRunqIdle: boolean;
  /** 4.5: soft affinity is honoured in pick, tickle and steal. */
  softAffinity: boolean;
  /** 4.7: current is kicked away only if it could run on an idler (`f02a5760c7`). */
  kickOnlyIfIdlerFits: boolean;
  /** 4.7: a wake that completes a migration is not boosted (`66c7449a4d`). */
  noBoostOnMigrate: boolean;
  /** 4.8: ratelimit keeps current for ratelimit - runtime, not a full ratelimit (`0053127890`). */
  ratelimitRemaining: boolean;
  /** 4.8: a yielding vCPU is not kept by ratelimit (`9fdd2f3c9c`). */
  yieldSkipsRatelimit: boolean;
  /** 4.9: tickled idlers leave the idlers mask at once (`47d5292995`). */
  tickledLeaveIdlers: boolean;
  /** 4.4-4.12: accounting clears PARKED before unpausing, so the unpark wake is boosted (fixed in 4.13, `5c8c0ae7c4`). */
  unparkClearsFirst: boolean;
}

export type CreditFlagName = keyof CreditFlags;

const SINCE: Record<CreditFlagName, string> = {
  sampledDebit: "-3.4",
  acctInMasterTick: "-3.4",
  idleBias: "4.0",
  perVcpuWeight: "4.1",
  halveOnInactive: "4.1",
  tickleOneIdler: "4.1",
  crossSocket2x: "4.1",
  yieldBehindLower: "4.1",
  tsliceRatelimit: "4.2",
  residual: "4.3",
  smartTickle: "4.3",
  pickDiscountRunqIdle: "4.3",
  softAffinity: "4.5",
  kickOnlyIfIdlerFits: "4.7",
  noBoostOnMigrate: "4.7",
  ratelimitRemaining: "4.8",
  yieldSkipsRatelimit: "4.8",
  tickledLeaveIdlers: "4.9",
  unparkClearsFirst: "4.4",
};

export const CREDIT_FLAG_NAMES = Object.keys(SINCE) as CreditFlagName[];

/** "4.10" > "4.9": compares dotted versions numerically. */
export function versionAtLeast(version: string, min: string): boolean {
  const a = version.split(".").map(Number);
  const b = min.split(".").map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** The flags of a Xen version ("-3.4" marks behaviour that ends after 3.4). */
export function creditFlagsFor(version: string): CreditFlags {
  const flags = {} as CreditFlags;
  for (const name of CREDIT_FLAG_NAMES) {
    const since = SINCE[name];
    flags[name] = since.startsWith("-") ? !versionAtLeast(version, "4.0") : versionAtLeast(version, since);
  }
  return flags;
}

/** Credit changes after the newest modelled version, listed in results so nobody assumes them. */
export const CREDIT_UNMODELLED_AFTER_4_9 = [
  "4.9: skip peers with <= 1 runnable vCPU and per-node balance_bias when stealing",
  "4.13: ticker stopped while a pCPU idles; unpark wake not boosted (fix of a 2013 regression)",
  "4.18: load balancing at most once per ms per pCPU; yielding vCPUs are not stolen",
];

/** Tunables (sched_credit.c constants and boot parameters). */
export interface CreditParams {
  /** sched_credit_tslice_ms (4.2+; fixed 30 before). Range 1..1000. */
  tsliceMs: number;
  /** sched_ratelimit_us (4.2+; 0 before). 0 or 100..500000, and at most the timeslice. */
  ratelimitUs: number;
  /** vcpu_migration_delay in us (3.4+): a vCPU that ran this recently is cache-hot and not stolen. */
  migrationDelayUs: number;
}

export interface CreditParamInfo {
  name: keyof CreditParams;
  xen: string;
  unit: string;
  help: string;
}

export const CREDIT_PARAM_TABLE: readonly CreditParamInfo[] = [
  {
    name: "tsliceMs",
    xen: "sched_credit_tslice_ms",
    unit: "ms",
    help: "time slice and accounting period (4.2+)",
  },
  {
    name: "ratelimitUs",
    xen: "sched_ratelimit_us",
    unit: "us",
    help: "minimum run before preemption (4.2+)",
  },
  {
    name: "migrationDelayUs",
    xen: "vcpu_migration_delay",
    unit: "us",
    help: "cache-hot window for stealing",
  },
];

/** CSCHED_DEFAULT_TSLICE_MS: 30 ms (3 ticks of 10 ms). */
export const CSCHED_DEFAULT_TSLICE_MS = 30;
/** Default sched_ratelimit_us from 4.2 (XEN_SYSCTL_SCHED_RATELIMIT_DEFAULT). */
export const SCHED_DEFAULT_RATELIMIT_US = 1000;
/** XEN_SYSCTL_SCHED_RATELIMIT_MIN/MAX and XEN_SYSCTL_CSCHED_TSLICE_MIN/MAX (public/sysctl.h). */
export const RATELIMIT_MIN_US = 100;
export const RATELIMIT_MAX_US = 500000;
export const TSLICE_MIN_MS = 1;
export const TSLICE_MAX_MS = 1000;

export function defaultCreditParams(flags: CreditFlags): CreditParams {
  return {
    tsliceMs: CSCHED_DEFAULT_TSLICE_MS,
    ratelimitUs: flags.tsliceRatelimit ? SCHED_DEFAULT_RATELIMIT_US : 0,
    migrationDelayUs: 0,
  };
}

/** Problems with a parameter set for a version, as messages (empty when fine). */
export function checkCreditParams(p: CreditParams, flags: CreditFlags): string[] {
  const out: string[] = [];
  if (!flags.tsliceRatelimit) {
    if (p.tsliceMs !== CSCHED_DEFAULT_TSLICE_MS) out.push("tslice is a Xen 4.2+ parameter (30 ms before)");
    if (p.ratelimitUs !== 0) out.push("ratelimit is a Xen 4.2+ parameter");
  }
  if (!(p.tsliceMs >= TSLICE_MIN_MS && p.tsliceMs <= TSLICE_MAX_MS && Number.isInteger(p.tsliceMs)))
    out.push(`tslice must be a whole number of ms in ${TSLICE_MIN_MS}..${TSLICE_MAX_MS}`);
  if (p.ratelimitUs !== 0 && !(p.ratelimitUs >= RATELIMIT_MIN_US && p.ratelimitUs <= RATELIMIT_MAX_US))
    out.push(`ratelimit must be 0 or ${RATELIMIT_MIN_US}us..${RATELIMIT_MAX_US}us`);
  if (p.ratelimitUs * 1000 > p.tsliceMs * 1e6) out.push("ratelimit must not exceed the timeslice");
  return out;
}
