/**
 * The hardware and VM sizes of the Beloglazov and Buyya experiment, as data (STYLE 17):
 * host models with their SPECpower tables and the four VM types. Values are those of
 * CloudSim's `examples/power/Constants.java` and the `PowerModelSpecPower*` classes
 * (identical in CloudSim 3.0.3 and 7G), which the paper's section 7.1 describes:
 *
 * - HP ProLiant ML110 G4: 1 x Xeon 3040, 2 cores x 1860 MIPS, 4 GB, 1 Gbit/s;
 *   SPECpower_ssj2008 result res2011q1/power_ssj2008-20110127-00342.
 * - HP ProLiant ML110 G5: 1 x Xeon 3075, 2 cores x 2660 MIPS, 4 GB, 1 Gbit/s;
 *   result res2011q1/power_ssj2008-20110124-00339.
 * - VM types "corresponding to Amazon EC2 instance types" with memory halved by CloudSim
 *   to allow oversubscription: High-CPU Medium 2500 MIPS / 0.85 GB, Extra Large 2000 / 1.7 GB,
 *   Small 1000 / 1.7 GB, Micro 500 / 613 MB; one vCPU each, 100 Mbit/s.
 *
 * Units: memory in bytes with CloudSim's "MB" read as 10^6 bytes, so that a 870 MB VM over
 * half of 1 Gbit/s takes 870e6 / 62.5e6 = 13.92 s to migrate, exactly as CloudSim computes.
 */
import { SpecPowerModel } from "./spec-power.js";

const MB = 1e6;

export interface HostModel {
  /** Stable name used in scenario files. */
  readonly name: string;
  readonly description: string;
  /** Physical cores (CloudSim PEs). */
  readonly cores: number;
  /** Capacity of one core in MIPS. */
  readonly mipsPerCore: number;
  /** Memory in bytes. */
  readonly memory: number;
  /** Network bandwidth in bit/s. */
  readonly bandwidth: number;
  readonly power: SpecPowerModel;
  readonly source: string;
}

export interface VmType {
  readonly name: string;
  /** MIPS of the (single) vCPU. */
  readonly mips: number;
  readonly vcpus: number;
  /** Memory in bytes (what a migration copies). */
  readonly memory: number;
  /** Bandwidth reserved on the host, bit/s. */
  readonly bandwidth: number;
}

export const HOST_MODELS: readonly HostModel[] = [
  {
    name: "hp-proliant-ml110-g4",
    description: "HP ProLiant ML110 G4 (1 x Xeon 3040, 2 cores, 1860 MIPS each)",
    cores: 2,
    mipsPerCore: 1860,
    memory: 4096 * MB,
    bandwidth: 1e9,
    power: new SpecPowerModel(
      "hp-proliant-ml110-g4",
      [86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117],
    ),
    source: "CloudSim PowerModelSpecPowerHpProLiantMl110G4Xeon3040; SPECpower res2011q1 20110127-00342",
  },
  {
    name: "hp-proliant-ml110-g5",
    description: "HP ProLiant ML110 G5 (1 x Xeon 3075, 2 cores, 2660 MIPS each)",
    cores: 2,
    mipsPerCore: 2660,
    memory: 4096 * MB,
    bandwidth: 1e9,
    power: new SpecPowerModel(
      "hp-proliant-ml110-g5",
      [93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135],
    ),
    source: "CloudSim PowerModelSpecPowerHpProLiantMl110G5Xeon3075; SPECpower res2011q1 20110124-00339",
  },
];

/** The paper's four VM types, in CloudSim's order (type index 0..3). */
export const PAPER_VM_TYPES: readonly VmType[] = [
  { name: "high-cpu-medium", mips: 2500, vcpus: 1, memory: 870 * MB, bandwidth: 100e6 },
  { name: "extra-large", mips: 2000, vcpus: 1, memory: 1740 * MB, bandwidth: 100e6 },
  { name: "small", mips: 1000, vcpus: 1, memory: 1740 * MB, bandwidth: 100e6 },
  { name: "micro", mips: 500, vcpus: 1, memory: 613 * MB, bandwidth: 100e6 },
];

export function hostModelByName(name: string): HostModel | undefined {
  return HOST_MODELS.find((m) => m.name === name);
}

/**
 * CloudSim's VM-type assignment (`Helper.createVmList`): VM i of n gets type
 * floor(i / ceil(n / types)), i.e. contiguous blocks of the trace list, not i mod types.
 */
export function paperVmTypeIndex(i: number, n: number, types: number): number {
  return Math.floor(i / Math.ceil(n / types));
}
