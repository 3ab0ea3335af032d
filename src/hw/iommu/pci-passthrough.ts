/**
 * Device assignment on VT-d, after Xen 4.0's xen/drivers/passthrough/pci.c
 * (assign_device, deassign_device) and vtd/iommu.c (init_vtd_hw,
 * domain_context_mapping_one, intel_iommu_map_page, iommu_set_dom0_mapping) and
 * vtd/intremap.c (msi_msg_to_remap_entry):
 *  - at boot the hypervisor builds the root table, points RTADDR at it (SRTP), maps
 *    dom0's memory 1:1 and enables translation (TE); it also sets up the interrupt
 *    remapping table (IRTA, SIRTP) and enables remapping (IRE);
 *  - every function starts owned by dom0 (domain id 0): its context entry points at dom0's
 *    table. Assigning it to a guest rewrites the context entry with the guest's domain id
 *    and second-level table (guest physical -> machine), which the guest's memory
 *    populates page by page; deassigning points it back at dom0.
 *  - an MSI the guest programs is rewritten into an IRTE (vector, destination APIC,
 *    source id verified with SVT = 1) and the device gets the remappable-format address.
 * Dom0's 1:1 map uses 2 MiB superpages (Xen 4.0 used 4 KiB pages; the translations are
 * the same, the tables smaller). Guests are mapped with 4 KiB pages, as Xen 4.0 did.
 * Devices behind PCIe-to-PCI bridges (requester-id aliasing) are not modelled.
 */
import { PhysMem } from "./phys-mem.js";
import { IRTE_SIZE, remappableMsi, SVT_VERIFY_SID, writeIrte } from "./vtd-irte.js";
import {
  AGAW_48,
  DMA_GCMD_IRE,
  DMA_GCMD_SIRTP,
  DMA_GCMD_SRTP,
  DMA_GCMD_TE,
  DMAR_IRTA_REG,
  DMAR_RTADDR_REG,
  VTD_UNIT,
} from "./vtd-regs.js";
import {
  CONTEXT_TT,
  DMA_PTE_READ,
  DMA_PTE_WRITE,
  readRootEntry,
  SecondLevelTable,
  writeContextEntry,
  writeRootEntry,
} from "./vtd-tables.js";
import { type DmaResult, VtdUnit } from "./vtd-unit.js";

export const DOM0 = 0;
/** log2(entries) - 1 for the interrupt remapping table: 256 entries (one page). */
const IRTA_SIZE_FIELD = 7;
const MIB2 = 2 << 20;

export interface PassthroughDomain {
  domid: number;
  name: string;
  /** Guest physical memory size in bytes (guests) or host RAM (dom0). */
  memory: number;
  /** Machine address of the guest's memory (contiguous here). */
  machineBase: number;
  table: SecondLevelTable;
}

export interface AssignmentEvent {
  rid: number;
  from: number;
  to: number;
}

export class Passthrough {
  readonly mem: PhysMem;
  readonly unit: VtdUnit;
  private readonly rootTable: number;
  private readonly contextTables = new Map<number, number>();
  private readonly irTable: number;
  private nextIrte = 0;
  private nextGuestBase: number;
  readonly domains = new Map<number, PassthroughDomain>();
  /** Owner domain of each routing id seen. */
  readonly owner = new Map<number, number>();
  readonly history: AssignmentEvent[] = [];

  constructor(hostRam: number, mem = new PhysMem()) {
    this.mem = mem;
    this.unit = new VtdUnit(mem);
    this.rootTable = mem.allocPage();
    this.irTable = mem.allocPage();
    // Guests' memory lives above host RAM in this model's machine address map.
    this.nextGuestBase = Math.ceil(hostRam / (1 << 30)) * (1 << 30);
    const dom0 = new SecondLevelTable(mem, AGAW_48);
    for (let a = 0; a < hostRam; a += MIB2) dom0.map(a, a, DMA_PTE_READ | DMA_PTE_WRITE, true);
    this.domains.set(DOM0, { domid: DOM0, name: "Domain-0", memory: hostRam, machineBase: 0, table: dom0 });
    const u = this.unit;
    u.write64(DMAR_RTADDR_REG, this.rootTable);
    u.write32(0x18, DMA_GCMD_SRTP);
    u.write64(DMAR_IRTA_REG, this.irTable + IRTA_SIZE_FIELD);
    u.write32(0x18, DMA_GCMD_SIRTP);
    u.write32(0x18, DMA_GCMD_TE);
    u.write32(0x18, DMA_GCMD_TE | DMA_GCMD_IRE);
  }

  /** Creates a guest domain whose memory [0, memory) maps to a fresh machine range. */
  addDomain(domid: number, name: string, memory: number): PassthroughDomain {
    if (this.domains.has(domid)) throw new Error(`domain ${domid} exists`);
    if (domid >= 2 ** (4 + 2 * VTD_UNIT.nd))
      throw new Error(`domain id ${domid} exceeds the unit's ${2 ** (4 + 2 * VTD_UNIT.nd)}`);
    const table = new SecondLevelTable(this.mem, AGAW_48);
    const base = this.nextGuestBase;
    this.nextGuestBase += Math.ceil(memory / (1 << 30)) * (1 << 30);
    table.mapRange(0, base, memory, DMA_PTE_READ | DMA_PTE_WRITE);
    const d = { domid, name, memory, machineBase: base, table };
    this.domains.set(domid, d);
    return d;
  }

  /** Makes `rid` (a function's requester id) DMA through domain `domid`'s table. */
  private setContext(rid: number, domid: number): void {
    const d = this.domains.get(domid);
    if (d === undefined) throw new Error(`no domain ${domid}`);
    const bus = rid >> 8;
    let ct = this.contextTables.get(bus);
    if (ct === undefined || !readRootEntry(this.mem, this.rootTable, bus).present) {
      ct = this.mem.allocPage();
      this.contextTables.set(bus, ct);
      writeRootEntry(this.mem, this.rootTable, bus, ct);
    }
    writeContextEntry(this.mem, ct, rid & 0xff, {
      present: true,
      faultDisable: false,
      translationType: CONTEXT_TT.multiLevel,
      root: d.table.root,
      addressWidth: AGAW_48,
      domainId: domid,
    });
  }

  /** A function appears (boot or hot-plug): dom0 owns it (Xen's pci_add_device). */
  addDevice(rid: number): void {
    this.setContext(rid, DOM0);
    this.owner.set(rid, DOM0);
  }

  /** A function is gone (hot-unplug, VF disable): its context entry is cleared. */
  removeDevice(rid: number): void {
    const ct = this.contextTables.get(rid >> 8);
    if (ct !== undefined) writeContextEntry(this.mem, ct, rid & 0xff, null);
    this.owner.delete(rid);
  }

  /** assign_device: the function now DMAs in `domid`'s address space. */
  assign(rid: number, domid: number): void {
    const from = this.owner.get(rid);
    if (from === undefined) throw new Error(`device ${rid.toString(16)} is not known to the IOMMU`);
    if (from !== DOM0) throw new Error(`device ${rid.toString(16)} is owned by domain ${from}, not dom0`);
    this.setContext(rid, domid);
    this.owner.set(rid, domid);
    this.history.push({ rid, from, to: domid });
  }

  /** deassign_device: back to dom0. */
  deassign(rid: number): void {
    const from = this.owner.get(rid);
    if (from === undefined || from === DOM0) return;
    this.setContext(rid, DOM0);
    this.owner.set(rid, DOM0);
    this.history.push({ rid, from, to: DOM0 });
  }

  /** A DMA by `rid` to `addr` (a guest physical address for an assigned device). */
  dma(rid: number, addr: number, write: boolean): DmaResult {
    return this.unit.translate(rid, addr, write);
  }

  /**
   * msi_msg_to_remap_entry: an IRTE for (vector, destination APIC) that only `rid` may
   * use; returns the remappable MSI address/data to program into the device.
   */
  remapMsi(rid: number, vector: number, destApic: number): { handle: number; address: number; data: number } {
    const handle = this.nextIrte++;
    if ((handle + 1) * IRTE_SIZE > 4096) throw new Error("interrupt remapping table full");
    writeIrte(this.mem, this.irTable, handle, {
      present: true,
      faultDisable: false,
      destMode: 0,
      redirHint: false,
      trigger: 0,
      deliveryMode: 0,
      vector,
      dest: destApic,
      sourceId: rid,
      sq: 0,
      svt: SVT_VERIFY_SID,
    });
    return { handle, ...remappableMsi(handle) };
  }

  /** The machine address behind guest physical `gpa` of `domid` (what its table says). */
  guestToMachine(domid: number, gpa: number): number | null {
    const d = this.domains.get(domid);
    if (d === undefined || gpa >= d.memory) return null;
    return d.machineBase + gpa;
  }
}
