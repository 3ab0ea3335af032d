/**
 * SR-IOV physical function behaviour (PCI-SIG SR-IOV spec 1.1 §2 and §3.3; QEMU
 * hw/pci/pcie_sriov.c): setting VF Enable instantiates NumVFs virtual functions at
 * routing ids `PF + FirstVFOffset + (n - 1) * VFStride` (n = 1..NumVFs; the sum may carry
 * into the bus number), clearing it removes them. Each VF's memory apertures are the
 * PF's VF BARs: VF n's BAR k is `VF BAR k + (n - 1) * size k`.
 *
 * Where we follow the spec rather than QEMU: clearing VF Enable keeps NumVFs (QEMU
 * zeroes it); a NumVFs write while VF Enable is set is ignored and counted as misuse
 * (the spec leaves it undefined); NumVFs above TotalVFs enables TotalVFs and counts misuse.
 * The spec's 100 ms wait after VF Enable before VFs answer config requests (§3.3.3.1) is
 * the caller's to schedule; VFs answer here as soon as they exist.
 */
import { asBdf, type Bdf, busOf, devfnOf } from "./bdf.js";
import {
  PCI_SRIOV_BAR,
  PCI_SRIOV_CTRL,
  PCI_SRIOV_CTRL_MSE,
  PCI_SRIOV_CTRL_VFE,
  PCI_SRIOV_NUM_VF,
  PCI_SRIOV_TOTAL_VF,
  PCI_SRIOV_VF_OFFSET,
  PCI_SRIOV_VF_STRIDE,
} from "./ext-cap-sriov.js";
import { barAddress, sizeBar } from "./pci-bar.js";
import type { PciFunction } from "./pci-function.js";
import type { PciTopology } from "./pci-topology.js";

/** Builds VF number `index` (1-based) of `pf`. */
export type VfFactory = (pf: PciFunction, index: number) => PciFunction;

export class SriovPf {
  /** Live VFs, VF 1 first. */
  readonly vfs: PciFunction[] = [];
  /** Guest writes the spec leaves undefined (NumVFs changed while enabled, NumVFs > TotalVFs). */
  misuse = 0;
  /** Observers of VF creation and removal (the topology's owner, reports). */
  onChange: ((pf: PciFunction, vfs: readonly PciFunction[]) => void) | null = null;

  constructor(
    readonly pf: PciFunction,
    readonly cap: number,
    private readonly topology: PciTopology,
    private readonly makeVf: VfFactory,
  ) {
    pf.ext.sriov = this;
    pf.ext.sriovCap = cap;
    pf.onWrite(cap + PCI_SRIOV_CTRL, 2, (_o, _l, _v, old) => this.controlWritten(old));
    pf.onWrite(cap + PCI_SRIOV_NUM_VF, 2, (_o, _l, _v, old) => this.numVfsWritten(old));
  }

  get totalVfs(): number {
    return this.pf.cfg.get16(this.cap + PCI_SRIOV_TOTAL_VF);
  }
  get numVfs(): number {
    return this.pf.cfg.get16(this.cap + PCI_SRIOV_NUM_VF);
  }
  get enabled(): boolean {
    return (this.pf.cfg.get16(this.cap + PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE) !== 0;
  }
  /** VF Memory Space Enable: VFs decode their BAR apertures. */
  get memoryEnabled(): boolean {
    return (this.pf.cfg.get16(this.cap + PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_MSE) !== 0;
  }

  /** Routing id of VF `n` (1-based) for the current offset and stride; null past 0xffff. */
  vfRid(n: number): Bdf | null {
    const c = this.pf.cfg;
    const rid =
      this.pf.bdf +
      c.get16(this.cap + PCI_SRIOV_VF_OFFSET) +
      (n - 1) * c.get16(this.cap + PCI_SRIOV_VF_STRIDE);
    return rid > 0xffff ? null : asBdf(rid);
  }

  /** Routing-id distance from the PF to its last possible VF (TotalVFs), for bus reservation. */
  vfRidOffsetForTotal(): number {
    const c = this.pf.cfg;
    return (
      c.get16(this.cap + PCI_SRIOV_VF_OFFSET) + (this.totalVfs - 1) * c.get16(this.cap + PCI_SRIOV_VF_STRIDE)
    );
  }

  /** Per-VF size of VF BAR `k` (0 when not implemented). */
  vfBarSize(k: number): number {
    return sizeBar(this.pf.cfg, k, this.cap + PCI_SRIOV_BAR);
  }

  /** Address of VF `n`'s BAR `k`. */
  vfBarAddress(n: number, k: number): number {
    return barAddress(this.pf.cfg, k, this.cap + PCI_SRIOV_BAR) + (n - 1) * this.vfBarSize(k);
  }

  private numVfsWritten(old: number): void {
    if (this.enabled) {
      this.pf.cfg.set16(this.cap + PCI_SRIOV_NUM_VF, old);
      this.misuse++;
    }
  }

  private controlWritten(old: number): void {
    const was = (old & PCI_SRIOV_CTRL_VFE) !== 0;
    if (!was && this.enabled) this.createVfs();
    else if (was && !this.enabled) this.removeVfs();
  }

  private createVfs(): void {
    let n = this.numVfs;
    if (n > this.totalVfs) {
      this.misuse++;
      n = this.totalVfs;
    }
    for (let i = 1; i <= n; i++) {
      const rid = this.vfRid(i);
      if (rid === null) break;
      const vf = this.makeVf(this.pf, i);
      vf.ext.vfOf = { pf: this.pf, index: i };
      const bus = this.pf.bus;
      if (bus === null) throw new Error(`${this.pf.name}: SR-IOV PF is not in a topology`);
      if (busOf(rid) === busOf(this.pf.bdf)) this.topology.attach(bus, devfnOf(rid), vf);
      else this.topology.attachExtra(bus, rid, vf);
      this.vfs.push(vf);
    }
    this.onChange?.(this.pf, this.vfs);
  }

  private removeVfs(): void {
    for (const vf of this.vfs) this.topology.detach(vf);
    this.vfs.length = 0;
    this.onChange?.(this.pf, this.vfs);
  }

  /** PF reset (FLR or conventional): VF Enable clears, so every VF goes (SR-IOV §3.3.3.1). */
  resetVfs(): void {
    if (this.vfs.length > 0) this.removeVfs();
  }
}

/** True when `fn` is a VF whose PF has VF MSE set (VF MMIO decodes). */
export function vfDecodes(fn: PciFunction): boolean {
  const v = fn.ext.vfOf;
  return v !== undefined && (v.pf.ext.sriov?.memoryEnabled ?? false);
}
