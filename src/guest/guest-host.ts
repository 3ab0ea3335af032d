/**
 * Assembles a host with guests: the XenHost, its scheduler, the domains, a program per
 * vCPU and the observers. The scenario runner (src/run/host-part.ts), the benchmarks and
 * the tests all build hosts through here, so they run the same model.
 */

import type { CpuMask } from "../hw/cpumask.js";
import type { TopologySpec } from "../hw/topology.js";
import type { Kernel } from "../kernel/kernel.js";
import type { Domain } from "../xen/domain.js";
import { createScheduler, type SchedulerChoice } from "../xen/sched/sched-registry.js";
import type { TraceSink } from "../xen/trace/trace-sink.js";
import { type GanttWindow, VcpuMetrics } from "../xen/vcpu-metrics.js";
import { type HostCosts, XenHost, ZERO_COSTS } from "../xen/xen-host.js";
import { GuestDriver, type GuestProgram } from "./guest-driver.js";

export interface GuestDomainSpec {
  name: string;
  vcpus: number;
  weight: number;
  cap: number;
  memory?: number;
  /** One program per vCPU. */
  programs: GuestProgram[];
  hard?: (CpuMask | undefined)[];
  soft?: (CpuMask | undefined)[];
  processor?: (number | undefined)[];
}

export interface GuestHostSpec {
  name: string;
  topology: TopologySpec;
  clockHz?: number;
  costs?: HostCosts;
  scheduler: SchedulerChoice;
  /** dom0 first, then the guests, in domid order. */
  domains: GuestDomainSpec[];
  trace?: TraceSink;
  gantt?: GanttWindow | null;
}

export interface GuestHost {
  host: XenHost;
  driver: GuestDriver;
  metrics: VcpuMetrics;
  domains: Domain[];
}

/** Builds everything on `k`; call `host.start()` (or `startGuestHost`) to boot at k.now. */
export function buildGuestHost(k: Kernel, spec: GuestHostSpec): GuestHost {
  const maxGuestVcpus = spec.domains.reduce((s, d) => s + d.vcpus, 0);
  const host = new XenHost(k, {
    name: spec.name,
    topology: spec.topology,
    clockHz: spec.clockHz ?? 2.4e9,
    costs: spec.costs ?? ZERO_COSTS,
    maxGuestVcpus,
  });
  if (spec.trace) host.trace = spec.trace;
  host.setScheduler(createScheduler(host, spec.scheduler));
  const metrics = new VcpuMetrics(host, spec.gantt ?? null);
  const driver = new GuestDriver(host);
  const domains = spec.domains.map((d) => {
    if (d.programs.length !== d.vcpus)
      throw new RangeError(`domain ${d.name}: ${d.vcpus} vCPUs but ${d.programs.length} programs`);
    const dom = host.createDomain(
      { name: d.name, weight: d.weight, cap: d.cap, memory: d.memory ?? 512 * 2 ** 20 },
      d.vcpus,
      { hard: d.hard, soft: d.soft, processor: d.processor },
    );
    dom.vcpus.forEach((v, i) => {
      driver.attach(v, d.programs[i]);
    });
    return dom;
  });
  metrics.addDomains();
  return { host, driver, metrics, domains };
}
