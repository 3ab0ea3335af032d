/**
 * The consolidation planner's input, as plain data in base units (seconds, requests per
 * second, watts). The plan file loader (src/scenario/plan-file.ts) builds it from YAML;
 * tests and benchmarks build it directly.
 */

/** What "no worse than today" means for the consolidated loss (see README, "Parameters"). */
export const QOS_MODES = ["dedicated", "dedicated-hourly", "target"] as const;
export type QosMode = (typeof QOS_MODES)[number];

/** RFaVM priority: critical classes are never subject to trunk reservation. */
export const PRIORITIES = ["critical", "normal"] as const;
export type Priority = (typeof PRIORITIES)[number];

export type PowerSpec =
  | { kind: "linear"; idle: number; peak: number; idleScale: number | null }
  | { kind: "table"; name: string; watts: readonly number[]; idleScale: number | null };

export interface ServiceInput {
  name: string;
  /** Arrival rate (requests/s) in each hour; length = PlanInput.hours. */
  rates: readonly number[];
  /** Mean service time of one request on a native server, in seconds (exponential). */
  serviceTime: number;
  /** Dedicated servers today; null = size them for `lossTarget` at the peak hour. */
  servers: number | null;
  /** Concurrent requests one dedicated server serves (worker slots). */
  slots: number;
  /** Waiting places per dedicated server beyond its slots (K = servers * (slots + queue)). */
  queue: number;
  /** Loss probability the service must meet (qos "target", and sizing when servers is null). */
  lossTarget: number | null;
  /** Capacity units one request holds on a consolidated host. */
  units: number;
  /** Virtualisation overhead: a request's service time on Xen is serviceTime / (1 - overhead). */
  overhead: number;
  priority: Priority;
}

export interface CheckInput {
  seed: number;
  /** Simulated time per system in ns; null = long enough for `minLosses` expected losses. */
  durationNs: number | null;
  /** Equal time batches after the warm-up, for the confidence intervals. */
  batches: number;
  /** Expected losses per checked row that an automatic duration aims for. */
  minLosses: number;
  /** Upper bound on simulated arrivals per system (keeps an automatic duration finite). */
  maxArrivals: number;
  /** Also simulate the pool with n* - 1, ..., n* - below hosts (more loss: sharper tests). */
  below: number;
}

/** The check a plan without a check section gets from `xenlab plan --check`. */
export const DEFAULT_CHECK: CheckInput = {
  seed: 1,
  durationNs: null,
  batches: 30,
  minLosses: 400,
  maxArrivals: 5_000_000,
  below: 1,
};

export interface PlanInput {
  name: string;
  description: string | null;
  /** Hourly points per day (24 for a daily profile). */
  hours: number;
  qos: QosMode;
  /** Loss probabilities below this count as this (no SLA is written below it). */
  lossFloor: number;
  /** Capacity units per consolidated host. */
  hostUnits: number;
  /** Largest number of hosts the search tries; null = 4 x dedicated servers + 16. */
  maxHosts: number | null;
  /** Trunk reservation (units) applied to normal-priority classes when a critical one exists. */
  reservation: number;
  power: { dedicated: PowerSpec; consolidated: PowerSpec };
  services: ServiceInput[];
  sensitivity: { overhead: readonly number[]; peakAlignment: readonly number[] };
  check: CheckInput | null;
}

/**
 * A planning problem that cannot be solved as stated (a loss target no number of servers
 * meets, more hosts needed than allowed). `path` names the input field to blame, so the
 * CLI can point at its line in the plan file.
 */
export class PlanError extends Error {
  override name = "PlanError";
  constructor(
    message: string,
    readonly path: readonly (string | number)[],
  ) {
    super(message);
  }
}
