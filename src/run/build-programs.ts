/**
 * Turns a domain's `workload` from a scenario into guest programs, one per vCPU, each
 * drawing from its own random stream named after host, domain and vCPU, so adding a
 * domain never changes another's draws.
 */

import type { GuestProgram } from "../guest/guest-driver.js";
import { PeriodicProgram } from "../guest/periodic.js";
import { RequestQueue } from "../guest/requests.js";
import { HogProgram, IdleProgram, PhasesProgram, RogueProgram } from "../guest/simple-programs.js";
import type { Kernel } from "../kernel/kernel.js";
import type { WorkloadSpec } from "../scenario/scenario-schema.js";
import { buildArrivals, buildTimeDistribution } from "./build-distribution.js";

export interface BuiltPrograms {
  programs: GuestProgram[];
  /** Request queues of the domain (one if shared, one per vCPU otherwise). */
  queues: RequestQueue[];
}

export function buildPrograms(
  k: Kernel,
  stream: string,
  workload: WorkloadSpec | WorkloadSpec[],
  vcpus: number,
): BuiltPrograms {
  const list = Array.isArray(workload) ? workload : Array.from({ length: vcpus }, () => workload);
  const queues: RequestQueue[] = [];
  let shared: RequestQueue | null = null;
  const programs = list.map((w, i) => program(w, i));
  return { programs, queues };

  function program(w: WorkloadSpec, i: number): GuestProgram {
    const rs = `${stream}/v${i}`;
    switch (w.type) {
      case "idle":
        return new IdleProgram();
      case "hog":
        return new HogProgram();
      case "periodic":
        return new PeriodicProgram(
          {
            period: w.period,
            run: w.run,
            offset: w.offset,
            jitter: w.jitter,
            deadline: w.deadline ?? w.period,
            background: w.background,
          },
          w.jitter > 0 ? k.rng(`${rs}/jitter`) : null,
        );
      case "phases":
        return new PhasesProgram(
          w.phases.map((p, j) => ({
            run: buildTimeDistribution(p.run, k.rng(`${rs}/phase${j}/run`)),
            block: buildTimeDistribution(p.block, k.rng(`${rs}/phase${j}/block`)),
          })),
        );
      case "requests": {
        if (w.queue === "shared" && shared !== null) return shared.server();
        const qs = w.queue === "shared" ? stream : rs;
        const q = new RequestQueue(
          qs,
          buildArrivals(w.arrivals, k.rng(`${qs}/arrivals`)),
          buildTimeDistribution(w.service, k.rng(`${qs}/service`)),
        );
        queues.push(q);
        if (w.queue === "shared") shared = q;
        return q.server();
      }
      case "net_stream":
      case "net_rr":
        // Bound to its VIF by run/io-setup.ts, which replaces this placeholder.
        return new IdleProgram();
      case "rogue":
        return new RogueProgram({
          run: w.run,
          tick: w.tick,
          phase: w.phase,
          guard: w.guard ?? (w.tick - w.run) / 2,
        });
    }
  }
}
