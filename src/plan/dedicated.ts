/**
 * The dedicated baseline (seed-talks T16, mechanism 1): each service on its own native
 * Linux servers, m servers of c worker slots and q waiting places each, pooled behind a
 * load balancer: an M/M/C/K station with C = m c, K = m (c + q), per hour of the profile.
 * When the plan leaves m open, it is the fewest servers meeting the service's loss target
 * in its peak hour (the T16 experiment, step 2: "size the dedicated clusters for a target
 * P_loss at the peak").
 */
import { ErlangStepper, minServersForLoss } from "./erlang-b.js";
import { PlanError, type ServiceInput } from "./plan-types.js";

/** Largest dedicated cluster the sizing tries per service (far beyond 10,000 servers in total). */
const MAX_DEDICATED_SERVERS = 1_000_000;

export interface DedicatedResult {
  servers: number;
  /** True when the planner chose `servers` for the loss target. */
  sized: boolean;
  /** C and K of the M/M/C/K station. */
  slots: number;
  capacity: number;
  peakHour: number;
  /** Offered load a = lambda / mu (Erlangs) per hour. */
  offered: Float64Array;
  /** log P_loss per hour. */
  logLoss: Float64Array;
  /** Busy slots / C per hour: the CPU utilisation of its servers. */
  utilisation: Float64Array;
}

export function peakHourOf(rates: readonly number[]): number {
  let best = 0;
  for (let h = 1; h < rates.length; h++) if (rates[h] > rates[best]) best = h;
  return best;
}

export function planDedicated(s: ServiceInput, index: number): DedicatedResult {
  const hours = s.rates.length;
  const offered = Float64Array.from(s.rates, (r) => r * s.serviceTime);
  const peakHour = peakHourOf(s.rates);
  let servers = s.servers;
  if (servers === null) {
    if (s.lossTarget === null)
      throw new PlanError("servers: auto needs a loss_target to size for", ["services", index, "dedicated"]);
    servers = minServersForLoss(
      offered[peakHour],
      s.slots,
      s.queue,
      Math.log(s.lossTarget),
      MAX_DEDICATED_SERVERS,
    );
    if (servers === null)
      throw new PlanError(
        `no dedicated cluster of up to ${MAX_DEDICATED_SERVERS} servers meets the loss target ${s.lossTarget}`,
        ["services", index, "loss_target"],
      );
  }
  const slots = servers * s.slots;
  const capacity = servers * (s.slots + s.queue);
  const logLoss = new Float64Array(hours);
  const utilisation = new Float64Array(hours);
  for (let h = 0; h < hours; h++) {
    const st = new ErlangStepper(offered[h]);
    st.advanceTo(slots);
    logLoss[h] = st.logLoss(capacity);
    // Carried load a (1 - P) is the mean number of busy slots (flow balance).
    utilisation[h] = (offered[h] * -Math.expm1(logLoss[h])) / slots;
  }
  return { servers, sized: s.servers === null, slots, capacity, peakHour, offered, logLoss, utilisation };
}
