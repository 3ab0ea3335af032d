/**
 * The physical CPU topology of one host: sockets, cores per socket, threads per core
 * (SMT siblings), one NUMA node per socket, and the pCPU numbers Xen gives them.
 *
 * Numbering. Xen numbers pCPUs in the order the firmware's MADT lists local APICs. We
 * use APIC-ID order, socket-major then core then thread, so the SMT siblings of a core
 * are adjacent (cpu = (socket * cores + core) * threads + thread): a 2-core x 2-thread
 * socket is CPU0/CPU1 on core 0 and CPU2/CPU3 on core 1, which is what `xenpm
 * get-cpu-topology` prints on most Intel boxes. Firmware may order them otherwise; the
 * schedulers only depend on the masks, not on the numbers.
 *
 * Masks as Xen keeps them (xen/arch/x86/smpboot.c): `cpu_sibling_mask` = threads of the
 * same core, `cpu_core_mask` = every thread of the same socket, and a node mask per
 * NUMA node (node = socket here).
 */
import { CpuMask } from "./cpumask.js";

export interface TopologySpec {
  sockets: number;
  /** Cores per socket. */
  cores: number;
  /** Hardware threads per core. */
  threads: number;
}

/** How far a vCPU moved when it changed pCPU: the three counters of the issue. */
export const MIGRATION_KINDS = ["same_core", "same_socket", "cross_socket"] as const;
export type MigrationKind = (typeof MIGRATION_KINDS)[number];
/** Index into MIGRATION_KINDS; -1 when the pCPU did not change. */
export const MIGRATE_NONE = -1;
export const MIGRATE_SAME_CORE = 0;
export const MIGRATE_SAME_SOCKET = 1;
export const MIGRATE_CROSS_SOCKET = 2;

export class Topology {
  readonly nrCpus: number;
  /** Per pCPU: socket (= NUMA node), global core number, thread within its core. */
  readonly socketOf: Int32Array;
  readonly coreOf: Int32Array;
  readonly threadOf: Int32Array;
  /** Per pCPU: the threads of its core (cpu_sibling_mask). */
  readonly siblingMask: CpuMask[];
  /** Per pCPU: the threads of its socket (cpu_core_mask). */
  readonly coreMask: CpuMask[];
  /** Per NUMA node: its pCPUs (node_to_cpumask). */
  readonly nodeMask: CpuMask[];
  readonly online: CpuMask;

  constructor(readonly spec: TopologySpec) {
    const { sockets, cores, threads } = spec;
    if (![sockets, cores, threads].every((n) => Number.isInteger(n) && n >= 1))
      throw new RangeError(`bad topology ${JSON.stringify(spec)}`);
    const n = sockets * cores * threads;
    this.nrCpus = n;
    this.socketOf = new Int32Array(n);
    this.coreOf = new Int32Array(n);
    this.threadOf = new Int32Array(n);
    for (let cpu = 0; cpu < n; cpu++) {
      this.threadOf[cpu] = cpu % threads;
      this.coreOf[cpu] = Math.floor(cpu / threads);
      this.socketOf[cpu] = Math.floor(cpu / (threads * cores));
    }
    this.nodeMask = Array.from({ length: sockets }, () => new CpuMask(n));
    for (let cpu = 0; cpu < n; cpu++) this.nodeMask[this.socketOf[cpu]].set(cpu);
    this.siblingMask = [];
    this.coreMask = [];
    for (let cpu = 0; cpu < n; cpu++) {
      const sib = new CpuMask(n);
      for (let c = 0; c < n; c++) if (this.coreOf[c] === this.coreOf[cpu]) sib.set(c);
      this.siblingMask.push(sib);
      this.coreMask.push(this.nodeMask[this.socketOf[cpu]]);
    }
    this.online = CpuMask.full(n);
  }

  get sockets(): number {
    return this.spec.sockets;
  }

  nodeOf(cpu: number): number {
    return this.socketOf[cpu];
  }

  /** How a move from `from` to `to` counts: MIGRATE_NONE or an index into MIGRATION_KINDS. */
  migrationKind(from: number, to: number): number {
    if (from === to || from < 0) return MIGRATE_NONE;
    if (this.coreOf[from] === this.coreOf[to]) return MIGRATE_SAME_CORE;
    if (this.socketOf[from] === this.socketOf[to]) return MIGRATE_SAME_SOCKET;
    return MIGRATE_CROSS_SOCKET;
  }

  /** "4 pCPUs: 1 socket x 2 cores x 2 threads". */
  describe(): string {
    const { sockets, cores, threads } = this.spec;
    return `${this.nrCpus} pCPUs: ${sockets} socket${sockets > 1 ? "s" : ""} x ${cores} core${cores > 1 ? "s" : ""} x ${threads} thread${threads > 1 ? "s" : ""}`;
  }
}
