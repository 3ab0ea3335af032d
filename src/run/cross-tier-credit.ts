/**
 * The fluid prediction for a discrete-tier scenario (hosts and domains under Credit): per
 * domain, the CPU time the fluid `credit` share gives it over the run, from each domain's
 * weight, cap, vCPU count and the long-run CPU demand of its workload. The cross-tier check
 * compares this with the CPU time the discrete Credit scheduler measures (see
 * src/cluster/fluid/README.md, "Relation to the discrete tier").
 *
 * Workload demand, per domain, in cores: hog and rogue: every vCPU busy (vcpus); idle: 0;
 * periodic: vcpus x run / period; phases: vcpus x mean run / (mean run + mean block) over
 * the phases; requests: arrival rate x mean service (an M/G/1 utilisation), at most vcpus.
 * A per-vCPU list of workloads sums each vCPU's demand.
 */
import { creditCpuReceived } from "../cluster/fluid/cross-tier.js";
import { Rng } from "../kernel/rng.js";
import type { DomainSpec, ScenarioSpec, WorkloadSpec } from "../scenario/scenario-schema.js";
import { buildArrivals, buildTimeDistribution } from "./build-distribution.js";

export interface DomainPrediction {
  domain: string;
  /** CPU demand in cores (long-run average). */
  demandCores: number;
  /** Predicted CPU time over the measured span, seconds. */
  cpuSeconds: number;
  /** Predicted share of one core (cpuSeconds / span). */
  cores: number;
}

/** Long-run CPU demand of a workload in cores. */
export function workloadDemandCores(w: WorkloadSpec, vcpus: number): number {
  const rng = Rng.stream(0, "cross-tier/means");
  const mean = (d: Parameters<typeof buildTimeDistribution>[0]) => buildTimeDistribution(d, rng).mean;
  switch (w.type) {
    case "idle":
      return 0;
    case "hog":
    case "rogue":
      return vcpus;
    case "net_stream":
    case "net_rr":
      // I/O-bound: its CPU depends on the I/O path (src/io); the fluid tier has no I/O model.
      return 0;
    case "periodic":
      return (vcpus * w.run) / w.period;
    case "phases": {
      let run = 0;
      let block = 0;
      for (const p of w.phases) {
        run += mean(p.run);
        block += mean(p.block);
      }
      return run + block > 0 ? (vcpus * run) / (run + block) : 0;
    }
    case "requests": {
      const gap = buildArrivals(w.arrivals, rng).mean;
      return Math.min(vcpus, mean(w.service) / gap);
    }
  }
}

/** The fluid Credit prediction for the domains of host `hostName` over the measured span. */
export function fluidCreditPrediction(spec: ScenarioSpec, hostName: string): DomainPrediction[] {
  const host = spec.hosts.find((h) => h.name === hostName);
  if (host === undefined) throw new RangeError(`no host named ${hostName}`);
  const pcpus = host.topology.sockets * host.topology.cores * host.topology.threads;
  const domains: DomainSpec[] = spec.domains.filter((d) => d.host === hostName);
  const span = (spec.duration - spec.warmup) / 1e9;
  const demands = domains.map((d) =>
    Array.isArray(d.workload)
      ? d.workload.reduce((sum, w) => sum + workloadDemandCores(w, 1), 0)
      : workloadDemandCores(d.workload, d.vcpus),
  );
  const got = creditCpuReceived(
    pcpus,
    1,
    domains.map((d) => ({ weight: d.cpu_weight, capPercent: d.cap, vcpus: d.vcpus })),
    [{ start: 0, demands }],
    span,
  );
  return domains.map((d, i) => ({
    domain: d.name,
    demandCores: demands[i],
    cpuSeconds: got[i],
    cores: got[i] / span,
  }));
}
