/**
 * Single Root I/O Virtualization extended capability (PCI-SIG SR-IOV spec 1.1 §3.3;
 * pci_regs.h PCI_SRIOV_*; QEMU hw/pci/pcie_sriov.c for masks). Control (VF Enable, VF
 * MSE, ARI Capable Hierarchy) and NumVFs are RW, the counts, offset, stride and VF device
 * id RO, System Page Size RW, and six VF BARs sized like ordinary BARs, each giving the
 * aperture of one VF. The VF lifecycle is in sriov.ts.
 */
import type { ConfigSpace } from "./config-space.js";
import { type BarSpec, defineBar } from "./pci-bar.js";
import { PCI_EXT_CAP_ID_SRIOV } from "./pci-regs.js";

export const PCI_SRIOV_CAP = 0x04;
export const PCI_SRIOV_CAP_VFM = 0x00000001;
export const PCI_SRIOV_CAP_INTR_SHIFT = 21;
export const PCI_SRIOV_CTRL = 0x08;
export const PCI_SRIOV_CTRL_VFE = 0x01;
export const PCI_SRIOV_CTRL_VFM = 0x02;
export const PCI_SRIOV_CTRL_INTR = 0x04;
export const PCI_SRIOV_CTRL_MSE = 0x08;
export const PCI_SRIOV_CTRL_ARI = 0x10;
export const PCI_SRIOV_STATUS = 0x0a;
export const PCI_SRIOV_INITIAL_VF = 0x0c;
export const PCI_SRIOV_TOTAL_VF = 0x0e;
export const PCI_SRIOV_NUM_VF = 0x10;
export const PCI_SRIOV_FUNC_LINK = 0x12;
export const PCI_SRIOV_VF_OFFSET = 0x14;
export const PCI_SRIOV_VF_STRIDE = 0x16;
export const PCI_SRIOV_VF_DID = 0x1a;
export const PCI_SRIOV_SUP_PGSIZE = 0x1c;
export const PCI_SRIOV_SYS_PGSIZE = 0x20;
export const PCI_SRIOV_BAR = 0x24;
export const PCI_SRIOV_VFM = 0x3c;
export const PCI_SRIOV_SIZEOF = 0x40;
/** Supported page sizes every SR-IOV device must report: 4K, 8K, 64K, 256K, 1M, 4M (§3.3.12). */
export const PCI_SRIOV_SUP_PGSIZE_MIN = 0x553;

export interface SriovOptions {
  initialVfs: number;
  totalVfs: number;
  firstVfOffset: number;
  vfStride: number;
  vfDeviceId: number;
  /** Per-VF BARs (index 0..5 within the VF BAR block). */
  vfBars: BarSpec[];
  /** Function Dependency Link (the function number of this PF, for single-PF devices). */
  functionLink?: number;
  /** Only PF 0 of a device owns ARI Capable Hierarchy; other PFs have it RO. */
  ariCapableHierarchyWritable: boolean;
  at?: number;
}

export function addSriovCap(cfg: ConfigSpace, o: SriovOptions): number {
  if (o.totalVfs < 1 || o.initialVfs > o.totalVfs) throw new RangeError("bad SR-IOV VF counts");
  const at = cfg.addExtCap(PCI_EXT_CAP_ID_SRIOV, 1, PCI_SRIOV_SIZEOF, o.at);
  cfg.set32(at + PCI_SRIOV_CAP, 0);
  cfg.mask(
    at + PCI_SRIOV_CTRL,
    2,
    PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE | (o.ariCapableHierarchyWritable ? PCI_SRIOV_CTRL_ARI : 0),
  );
  cfg.set16(at + PCI_SRIOV_INITIAL_VF, o.initialVfs);
  cfg.set16(at + PCI_SRIOV_TOTAL_VF, o.totalVfs);
  cfg.mask(at + PCI_SRIOV_NUM_VF, 2, 0xffff);
  cfg.set8(at + PCI_SRIOV_FUNC_LINK, o.functionLink ?? 0);
  cfg.set16(at + PCI_SRIOV_VF_OFFSET, o.firstVfOffset);
  cfg.set16(at + PCI_SRIOV_VF_STRIDE, o.vfStride);
  cfg.set16(at + PCI_SRIOV_VF_DID, o.vfDeviceId);
  cfg.set32(at + PCI_SRIOV_SUP_PGSIZE, PCI_SRIOV_SUP_PGSIZE_MIN);
  cfg.set32(at + PCI_SRIOV_SYS_PGSIZE, 1);
  cfg.mask(at + PCI_SRIOV_SYS_PGSIZE, 4, PCI_SRIOV_SUP_PGSIZE_MIN);
  for (const b of o.vfBars) defineBar(cfg, b, at + PCI_SRIOV_BAR);
  return at;
}
