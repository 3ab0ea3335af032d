/**
 * Intel IGD passthrough, the "Graphics passthru with VT-d" talk's checklist (seed-talks
 * T3; Xen 049607ff33 gfx_passthru, hvmloader VGA BIOS sizing; qemu-xen hw/pt-graphics.c
 * igd_pci_read / register_vga_regions / igd_write_opregion). Beyond VT-d DMA
 * remapping, the IGD driver in the guest needs:
 *   1. the host's VGA option ROM copied to guest 0xc0000 (signature 0x55aa, size byte x
 *      512 <= 64 KiB, byte sum 0);
 *   2. legacy VGA mapped 1:1: I/O 0x3b0-0x3bb and 0x3c0-0x3df, MMIO 0xa0000-0xbffff;
 *   3. the OpRegion (8 KiB, two pages) mapped 1:1 at the address in the IGD's ASLS (0xfc);
 *   4. the guest's host bridge passing through the host's ids and the registers the
 *      driver reads (0x00 ids, 0x08 revision, 0x2c subsystem, 0x50/0x52 GGC, 0x58 PAVPC
 *      (writable), 0xa0 TOM, 0xa4/0xa8 stolen memory bases, 0xb0 TOLUD);
 *   5. an ISA/LPC bridge at 00:1f.0 with the host's ids (the driver finds the PCH by it);
 *   6. the IGD itself at guest 00:02.0.
 * `setupIgdPassthrough` does what the toolstack, hvmloader and qemu do (each step can be
 * left out to model an older or broken setup) and records it; `checkIgdPassthrough`
 * verifies each requirement against the guest's view and says why one fails. The
 * driver "loads" only when all six pass.
 */
import { bdf } from "../pci/bdf.js";
import { makeHostBridgeGm45 } from "../pci/dev-host-bridge.js";
import { IGD_DEVFN, IGD_REGS, LEGACY_VGA, OPREGION_SIZE, VGA_ROM_ADDR, VGA_ROM_MAX } from "../pci/dev-igd.js";
import { PciFunction } from "../pci/pci-function.js";
import type { PciMachine } from "../pci/pci-machine.js";
import { PCI_CFG_SPACE_SIZE } from "../pci/pci-regs.js";
import { PciTopology } from "../pci/pci-topology.js";
import type { Passthrough } from "./pci-passthrough.js";
import { DMA_PTE_READ, DMA_PTE_WRITE } from "./vtd-tables.js";

/** Host bridge registers passed through to the guest (offset, length), T3 item 4. */
export const IGD_HOST_BRIDGE_PASSTHROUGH: ReadonlyArray<readonly [number, 1 | 2 | 4]> = [
  [0x00, 2],
  [0x02, 2],
  [0x08, 1],
  [0x2c, 2],
  [0x2e, 2],
  [0x50, 2],
  [0x52, 2],
  [0x58, 4],
  [0xa0, 2],
  [0xa4, 4],
  [0xa8, 4],
  [0xb0, 2],
];

export const IGD_REQUIREMENTS = [
  "vga-bios",
  "legacy-vga",
  "opregion",
  "host-bridge",
  "lpc-bridge",
  "igd-at-00:02.0",
] as const;
export type IgdRequirement = (typeof IGD_REQUIREMENTS)[number];

export interface IgdSetupOptions {
  copyVgaBios?: boolean;
  mapLegacyVga?: boolean;
  mapOpRegion?: boolean;
  passHostBridge?: boolean;
  exposeLpc?: boolean;
  /** Where the IGD appears in the guest (devfn); 00:02.0 is 0x10. */
  guestDevfn?: number;
}

export interface IgdGuestView {
  domid: number;
  topology: PciTopology;
  igd: PciFunction;
  ioPorts: { base: number; end: number }[];
  /** Guest-physical to machine 1:1 mappings made for the IGD. */
  mmio: { gpa: number; hpa: number; size: number }[];
  /** What was done, in order (the record the talk's checklist asks for). */
  steps: string[];
}

export interface IgdCheck {
  requirement: IgdRequirement;
  pass: boolean;
  detail: string;
}

/** Performs the IGD passthrough setup for guest `domid` (already created in `pt`). */
export function setupIgdPassthrough(
  host: PciMachine,
  pt: Passthrough,
  domid: number,
  o: IgdSetupOptions = {},
): IgdGuestView {
  const hostIgd = host.topo.route(bdf(0, 2, 0));
  if (hostIgd === null || hostIgd.model !== "igd-gm45") throw new Error("the host has no IGD at 00:02.0");
  const dom = pt.domains.get(domid);
  if (dom === undefined) throw new Error(`no domain ${domid}`);
  const view: IgdGuestView = {
    domid,
    topology: new PciTopology(),
    igd: hostIgd,
    ioPorts: [],
    mmio: [],
    steps: [],
  };
  const map1to1 = (base: number, size: number, what: string): void => {
    for (let a = base; a < base + size; a += 4096) dom.table.map(a, a, DMA_PTE_READ | DMA_PTE_WRITE);
    view.mmio.push({ gpa: base, hpa: base, size });
    view.steps.push(`map ${what} 1:1 at 0x${base.toString(16)} (${size / 4096} pages)`);
  };
  // Guest host bridge: our GM45 model with the passthrough registers copied from the host.
  const gHost = makeHostBridgeGm45();
  if (o.passHostBridge ?? true) {
    for (const [off, len] of IGD_HOST_BRIDGE_PASSTHROUGH)
      gHost.cfg.set(off, len, host.hostBridge.cfg.get(off, len));
    view.steps.push("host bridge reads of ids, GGC, PAVPC, TOM, BSM, TOLUD pass through to the host");
  } else for (const [off, len] of IGD_HOST_BRIDGE_PASSTHROUGH.slice(5)) gHost.cfg.set(off, len, 0);
  view.topology.attach(view.topology.root, 0, gHost);
  // The IGD, a copy of the host function's config space.
  const gIgd = new PciFunction("igd-gm45", "endpoint", PCI_CFG_SPACE_SIZE, hostIgd.ids, hostIgd.description);
  gIgd.cfg.data.set(hostIgd.cfg.data);
  view.topology.attach(view.topology.root, o.guestDevfn ?? IGD_DEVFN, gIgd);
  view.igd = gIgd;
  pt.assign(hostIgd.bdf, domid);
  view.steps.push(`assign ${hostIgd.name} to domain ${domid} (VT-d context entry)`);
  if (o.exposeLpc ?? true) {
    const hostLpc = host.topo.route(bdf(0, 0x1f, 0));
    if (hostLpc !== null) {
      const gLpc = new PciFunction(
        hostLpc.model,
        hostLpc.kind,
        PCI_CFG_SPACE_SIZE,
        hostLpc.ids,
        hostLpc.description,
      );
      gLpc.cfg.data.set(hostLpc.cfg.data.subarray(0, 64));
      view.topology.attach(view.topology.root, 0xf8, gLpc);
      view.steps.push("expose ISA/LPC bridge at 00:1f.0 with the host's ids");
    }
  }
  if (o.copyVgaBios ?? true) {
    const size = Math.min(pt.mem.readBytes(VGA_ROM_ADDR, 3)[2] * 512, VGA_ROM_MAX);
    const rom = pt.mem.readBytes(VGA_ROM_ADDR, size);
    pt.mem.writeBytes(dom.machineBase + VGA_ROM_ADDR, rom);
    view.steps.push(`copy VGA BIOS (${size} bytes) from host 0xc0000 to guest 0xc0000`);
  }
  if (o.mapLegacyVga ?? true) {
    for (const r of LEGACY_VGA.io) view.ioPorts.push({ base: r.base, end: r.end });
    view.steps.push("pass through I/O ports 0x3b0-0x3bb, 0x3c0-0x3df");
    map1to1(
      LEGACY_VGA.mmio[0].base,
      LEGACY_VGA.mmio[0].end + 1 - LEGACY_VGA.mmio[0].base,
      "legacy VGA memory",
    );
  }
  if (o.mapOpRegion ?? true) {
    const asls = hostIgd.cfg.get32(IGD_REGS.ASLS);
    map1to1(asls - (asls % 4096), OPREGION_SIZE, "OpRegion");
  } else gIgd.cfg.set32(IGD_REGS.ASLS, 0);
  return view;
}

/** Checks the six requirements against what the guest sees. */
export function checkIgdPassthrough(view: IgdGuestView, host: PciMachine, pt: Passthrough): IgdCheck[] {
  const out: IgdCheck[] = [];
  const dom = pt.domains.get(view.domid)!;
  const add = (requirement: IgdRequirement, pass: boolean, detail: string): void => {
    out.push({ requirement, pass, detail });
  };
  // 1. VGA BIOS in guest memory.
  const head = pt.mem.readBytes(dom.machineBase + VGA_ROM_ADDR, 3);
  if (head[0] !== 0x55 || head[1] !== 0xaa)
    add("vga-bios", false, "no 0x55aa option ROM signature at guest 0xc0000");
  else {
    const size = head[2] * 512;
    const rom = pt.mem.readBytes(dom.machineBase + VGA_ROM_ADDR, size);
    const sum = rom.reduce((a, b) => (a + b) & 0xff, 0);
    if (size > VGA_ROM_MAX) add("vga-bios", false, `ROM size ${size} exceeds 64 KiB`);
    else
      add(
        "vga-bios",
        sum === 0,
        sum === 0 ? `${size}-byte ROM, checksum ok` : `checksum byte sum ${sum}, not 0`,
      );
  }
  // 2. Legacy VGA ranges.
  const ioOk = LEGACY_VGA.io.every((r) => view.ioPorts.some((p) => p.base <= r.base && p.end >= r.end));
  const mm = LEGACY_VGA.mmio[0];
  const mmOk = mapped1to1(view, mm.base, mm.end + 1 - mm.base, pt, host);
  add(
    "legacy-vga",
    ioOk && mmOk,
    ioOk && mmOk
      ? "I/O 0x3b0-0x3df and 0xa0000-0xbffff 1:1"
      : `${ioOk ? "" : "legacy VGA I/O not passed through; "}${mmOk ? "" : "0xa0000-0xbffff not mapped 1:1"}`,
  );
  // 3. OpRegion.
  const asls = view.igd.cfg.get32(IGD_REGS.ASLS);
  const hostAsls = host.topo.route(bdf(0, 2, 0))?.cfg.get32(IGD_REGS.ASLS) ?? 0;
  if (asls === 0) add("opregion", false, "guest IGD ASLS (0xfc) is 0: no OpRegion");
  else {
    const ok = asls === hostAsls && mapped1to1(view, asls - (asls % 4096), OPREGION_SIZE, pt, host);
    add(
      "opregion",
      ok,
      ok ? `OpRegion 0x${asls.toString(16)} mapped 1:1 (2 pages)` : "OpRegion not mapped 1:1 at ASLS",
    );
  }
  // 4. Host bridge registers.
  const gHost = view.topology.route(bdf(0, 0, 0));
  const bad = IGD_HOST_BRIDGE_PASSTHROUGH.filter(
    ([off, len]) => gHost?.cfg.get(off, len) !== host.hostBridge.cfg.get(off, len),
  );
  add(
    "host-bridge",
    bad.length === 0,
    bad.length === 0
      ? "ids, GGC, PAVPC, TOM, BSM, TOLUD match the host"
      : `registers differ from the host: ${bad.map(([o]) => `0x${o.toString(16)}`).join(", ")}`,
  );
  // 5. LPC bridge.
  const lpc = view.topology.route(bdf(0, 0x1f, 0));
  const hostLpc = host.topo.route(bdf(0, 0x1f, 0));
  const lpcOk = lpc !== null && hostLpc !== null && lpc.cfg.get32(0) === hostLpc.cfg.get32(0);
  add(
    "lpc-bridge",
    lpcOk,
    lpcOk ? "ISA bridge 00:1f.0 has the host's ids" : "no ISA/LPC bridge with the host's ids at 00:1f.0",
  );
  // 6. IGD at 00:02.0.
  const at = view.topology.route(bdf(0, 2, 0));
  add(
    "igd-at-00:02.0",
    at === view.igd,
    at === view.igd ? "IGD is guest 00:02.0" : "IGD is not at guest 00:02.0",
  );
  return out;
}

function mapped1to1(
  view: IgdGuestView,
  base: number,
  size: number,
  pt: Passthrough,
  host: PciMachine,
): boolean {
  const rid = host.topo.route(bdf(0, 2, 0))?.bdf ?? 0x10;
  for (let a = base; a < base + size; a += 4096) {
    const r = pt.unit.translate(rid, a, false, false);
    if (!r.ok || r.hpa !== a) return false;
  }
  return view.mmio.some((m) => m.gpa <= base && m.gpa + m.size >= base + size);
}

/** True when every requirement passes: the guest's IGD driver would load. */
export function igdDriverLoads(checks: readonly IgdCheck[]): boolean {
  return checks.length === IGD_REQUIREMENTS.length && checks.every((c) => c.pass);
}
