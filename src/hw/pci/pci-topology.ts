/**
 * The PCI hierarchy of one segment: a host bridge on bus 0, bridges (root ports, switch
 * ports) each with a secondary bus, and functions at device/function numbers. Config
 * requests are routed the way bridges route them (PCI-to-PCI Bridge spec 1.2 §3.2.5.3):
 * a request for bus N goes to the bus whose number is N, descending through the bridge
 * whose [secondary, subordinate] range holds N, using the bus numbers that are currently
 * in the bridges' config registers (so renumbering by software takes effect).
 *
 * Two PCIe rules shape the last hop (PCIe Base spec 2.0 §7.3.1 and §6.13):
 *  - below a root or downstream port there is one link, so only device 0 answers, unless
 *    the port has ARI Forwarding Enable set, when the 8-bit devfn is a function number;
 *  - SR-IOV VFs whose routing ids carry into bus numbers above the PF's bus are reached
 *    through the PF's link (SR-IOV spec 1.1 §2.1.2): they are kept per bus as "extra".
 * Bus numbers and address windows are assigned by pci-firmware.ts.
 */
import { type Bdf, bdfFromDevfn, busOf, devfnOf } from "./bdf.js";
import { PCI_EXP_DEVCTL2, PCI_EXP_DEVCTL2_ARI } from "./cap-pcie.js";
import type { PciFunction } from "./pci-function.js";
import {
  PCI_HEADER_TYPE,
  PCI_HEADER_TYPE_BRIDGE,
  PCI_SECONDARY_BUS,
  PCI_SUBORDINATE_BUS,
} from "./pci-regs.js";

export class PciBus {
  /** Functions by devfn (or ARI function number). */
  readonly functions = new Map<number, PciFunction>();
  /** VFs reached through this bus's link whose routing-id bus is above this bus's number. */
  readonly extra = new Map<number, PciFunction>();

  constructor(
    /** The bridge whose secondary bus this is; null for the root bus. */
    readonly bridge: PciFunction | null,
  ) {}

  /** The bus number, as the parent bridge's Secondary Bus Number register holds it (root: 0). */
  get number(): number {
    return this.bridge === null ? 0 : this.bridge.cfg.get8(PCI_SECONDARY_BUS);
  }

  get subordinate(): number {
    return this.bridge === null ? 255 : this.bridge.cfg.get8(PCI_SUBORDINATE_BUS);
  }

  /** True below a root or downstream port: one link, device 0 only unless ARI forwarding. */
  get isLink(): boolean {
    const k = this.bridge?.kind;
    return k === "root-port" || k === "downstream-port";
  }

  /** True when the port above forwards all 256 function numbers (ARI Forwarding Enable). */
  get ariForwarding(): boolean {
    const b = this.bridge;
    if (b === null || b.pcieCap === 0) return false;
    return (b.cfg.get16(b.pcieCap + PCI_EXP_DEVCTL2) & PCI_EXP_DEVCTL2_ARI) !== 0;
  }

  /** The function a type 0 request for `devfn` reaches, or null (master abort). */
  claim(devfn: number): PciFunction | null {
    if (this.isLink && devfn >> 3 !== 0 && !this.ariForwarding) return null;
    return this.functions.get(devfn) ?? null;
  }

  /** Bridges on this bus, by devfn. */
  bridges(): PciFunction[] {
    return [...this.functions.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, f]) => f)
      .filter((f) => f.secondary !== null);
  }
}

export class PciTopology {
  readonly root = new PciBus(null);
  /** Bumped on every attach/detach (hot-plug, VF enable), for observers. */
  generation = 0;

  /** Places `fn` on `bus` at `devfn`; for a bridge, creates its secondary bus. */
  attach(bus: PciBus, devfn: number, fn: PciFunction): void {
    if (bus.functions.has(devfn)) throw new Error(`devfn ${devfn} already taken on bus ${bus.number}`);
    bus.functions.set(devfn, fn);
    fn.bus = bus;
    fn.bdf = bdfFromDevfn(bus.number, devfn);
    if ((fn.cfg.get8(PCI_HEADER_TYPE) & 0x7f) === PCI_HEADER_TYPE_BRIDGE && fn.secondary === null)
      fn.secondary = new PciBus(fn);
    this.generation++;
  }

  /** Places a VF whose routing id's bus lies above `bus`'s number (reached through its link). */
  attachExtra(bus: PciBus, rid: Bdf, fn: PciFunction): void {
    bus.extra.set(rid, fn);
    fn.bus = bus;
    fn.bdf = rid;
    this.generation++;
  }

  /** Removes a function (surprise removal, VF disable). */
  detach(fn: PciFunction): void {
    const bus = fn.bus;
    if (bus === null) return;
    for (const [k, f] of bus.functions) if (f === fn) bus.functions.delete(k);
    for (const [k, f] of bus.extra) if (f === fn) bus.extra.delete(k);
    fn.bus = null;
    this.generation++;
  }

  /** Routes a config request to a routing id; null when nothing answers. */
  route(rid: number): PciFunction | null {
    const target = busOf(rid as Bdf);
    let b: PciBus = this.root;
    for (let depth = 0; depth < 256; depth++) {
      if (target === b.number) return b.claim(devfnOf(rid as Bdf));
      let next: PciBus | null = null;
      for (const br of b.functions.values()) {
        const sec = br.secondary;
        if (sec === null) continue;
        const lo = sec.number;
        if (lo !== 0 && target >= lo && target <= sec.subordinate) {
          next = sec;
          break;
        }
      }
      if (next === null) return b.extra.get(rid) ?? null;
      b = next;
    }
    return null;
  }

  /** Every function reachable from the root, in routing-id order. */
  all(): PciFunction[] {
    const out: PciFunction[] = [];
    const walk = (b: PciBus): void => {
      for (const f of b.functions.values()) {
        out.push(f);
        if (f.secondary) walk(f.secondary);
      }
      for (const f of b.extra.values()) out.push(f);
    };
    walk(this.root);
    return out.sort((a, b) => a.bdf - b.bdf);
  }

  /** The chain of bridges from the root down to `fn`'s bus (nearest last). */
  bridgesAbove(fn: PciFunction): PciFunction[] {
    const chain: PciFunction[] = [];
    let b = fn.bus;
    while (b !== null && b.bridge !== null) {
      chain.unshift(b.bridge);
      b = b.bridge.bus;
    }
    return chain;
  }

  /** The root port above `fn` (or `fn` itself if it is one); null on the root bus. */
  rootPortOf(fn: PciFunction): PciFunction | null {
    if (fn.kind === "root-port") return fn;
    return this.bridgesAbove(fn).find((b) => b.kind === "root-port") ?? null;
  }

  /** Recomputes every function's routing id from its bus's current number. */
  refreshBdfs(): void {
    const walk = (b: PciBus): void => {
      for (const [devfn, f] of b.functions) {
        f.bdf = bdfFromDevfn(b.number, devfn);
        if (f.secondary) walk(f.secondary);
      }
    };
    walk(this.root);
  }
}
