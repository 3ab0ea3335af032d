/** Small fluid data centres for consolidation tests: a few hosts, inline traces, 300 s steps. */
import { type HostModel, hostModelByName, type VmType } from "../cluster/fluid/datacenter-catalog.js";
import { FluidDatacenter, type FluidOptions } from "../cluster/fluid/fluid-datacenter.js";
import { TraceSet } from "../cluster/fluid/utilisation-trace.js";

export const G4 = hostModelByName("hp-proliant-ml110-g4") as HostModel;
export const G5 = hostModelByName("hp-proliant-ml110-g5") as HostModel;
export const STEP = 300e9;

export const FIXTURE_OPTIONS: FluidOptions = {
  share: "cloudsim",
  zeroDemand: "keep",
  migrationBandwidthFraction: 0.5,
  historyPeriod: STEP,
  powerAware: true,
  bootOnlyReservations: true,
};

export function vmType(mips: number, memoryMb = 870): VmType {
  return { name: `vm-${mips}-${memoryMb}`, mips, vcpus: 1, memory: memoryMb * 1e6, bandwidth: 100e6 };
}

/** A data centre with VMs placed as `placement[v]` (host index) and updated through `steps` intervals. */
export function fixture(
  hosts: HostModel[],
  vms: VmType[],
  rows: number[][],
  placement: number[],
  steps: number,
  options: Partial<FluidOptions> = {},
): FluidDatacenter {
  const dc = new FluidDatacenter(
    hosts,
    vms.map((type) => ({ type })),
    TraceSet.fromRows(rows, STEP),
    { ...FIXTURE_OPTIONS, ...options },
  );
  placement.forEach((h, v) => {
    if (h >= 0) dc.place(v, h);
  });
  for (let k = 1; k <= steps; k++) dc.update(k * STEP);
  return dc;
}
