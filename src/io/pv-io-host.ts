/**
 * Assembles the PV I/O of one host on its XenHost: event channels and grant tables for
 * every domain, the guests' IRQ layer, dom0's physical NIC and netback, each VIF's
 * netfront, and the external peers; then connects each VIF the way a real host does.
 *
 * Connection (cold path, once per device, before the host starts): the toolstack writes
 * the vif entries as libxl does (xen/xenstore/libxl-domain.ts) in an in-process xenstore
 * daemon; netback and netfront run the xenbus handshake (xen/xenbus-drivers.ts) on their
 * own connections, and the values the front end publishes are real: `tx-ring-ref` and
 * `rx-ring-ref` are grant references of the guest's table for the two ring pages (netback
 * maps them with GNTTABOP_map_grant_ref), `event-channel` is the port the front end
 * allocated (EVTCHNOP_alloc_unbound). netback reads them back from xenstore and binds
 * (EVTCHNOP_bind_interdomain). Nothing on the per-packet path touches xenstore.
 */
import type { Kernel } from "../kernel/kernel.js";
import { EVTCHN_2L_NR_CHANNELS, EventChannels, type EvtchnDomain } from "../xen/pv/evtchn.js";
import { GNTMAP_host_map, type GrantTable, GrantTables } from "../xen/pv/gnttab.js";
import type { XenHost } from "../xen/xen-host.js";
import { XenbusState, XenbusTrace } from "../xen/xenbus.js";
import { backendPath, frontendPath, type LibxlDevice } from "../xen/xenbus-devices.js";
import { XenbusBackendDriver, XenbusFrontendDriver, XlHotplug } from "../xen/xenbus-drivers.js";
import { profileFor } from "../xen/xenbus-profiles.js";
import { createDomainLikeXl } from "../xen/xenstore/libxl-domain.js";
import { Xenstored } from "../xen/xenstore/xenstored.js";
import type { XsConnection } from "../xen/xenstore/xs-connection.js";
import { isErrno } from "../xen/xenstore/xs-wire.js";
import type { CpuWork } from "./cpu-work.js";
import type { IoCosts } from "./io-costs.js";
import { Peers } from "./net-peers.js";
import { Netback, type NetbackModel } from "./netback.js";
import { Netfront, type SmartPollParams } from "./netfront.js";
import { type NicParams, PhysNic } from "./phys-nic.js";
import { PvIrq } from "./pv-irq.js";

export interface VifSpec {
  /** Index of the guest in host.domains. */
  domIndex: number;
  devid: number;
  mac: string;
  /** Guest vCPU that takes the VIF's interrupt. */
  irqVcpu: number;
  smart: SmartPollParams | null;
}

export interface PvIoSpec {
  nic: NicParams;
  netback: { model: NetbackModel; txQueueLen: number };
  costs: IoCosts;
  maxGrantFrames: number;
  /** Per-domain event-channel limit (max_event_channels). */
  maxEvtchnPorts: number;
  vifs: VifSpec[];
}

/** A deterministic UUID for a domain of the twin. */
function uuidOf(domid: number): string {
  return `00000000-0000-4000-8000-${domid.toString(16).padStart(12, "0")}`;
}

export class PvIoHost {
  readonly ev: EventChannels;
  readonly gts: GrantTables;
  readonly irq: PvIrq;
  readonly nic: PhysNic;
  readonly netback: Netback;
  readonly peers = new Peers();
  readonly fronts: Netfront[] = [];
  readonly evDoms: EvtchnDomain[] = [];
  readonly gtDoms: GrantTable[] = [];
  readonly xs = new Xenstored();
  /** xenbus transitions seen while connecting (for the report and tests). */
  readonly handshake: string[] = [];

  constructor(
    readonly k: Kernel,
    readonly host: XenHost,
    private readonly work: CpuWork,
    readonly spec: PvIoSpec,
  ) {
    this.irq = new PvIrq(work, spec.costs, host.vcpus.capacity);
    this.ev = new EventChannels(this.irq);
    this.irq.ev = this.ev;
    this.gts = new GrantTables(spec.maxGrantFrames);
    for (const d of host.domains) {
      const ed = this.ev.addDomain(
        d.domid,
        d.vcpus,
        Math.min(spec.maxEvtchnPorts, EVTCHN_2L_NR_CHANNELS - 1),
      );
      this.irq.addDomain(ed);
      this.evDoms.push(ed);
      this.gtDoms.push(this.gts.addDomain(d.domid));
    }
    const dom0 = this.evDoms[0];
    this.nic = new PhysNic(k, spec.nic, this.ev, dom0, this.irq, work, spec.costs);
    this.netback = new Netback(
      k,
      { model: spec.netback.model, dom0Vcpus: dom0.nrVcpus, txQueueLen: spec.netback.txQueueLen },
      this.ev,
      dom0,
      this.gts,
      this.gtDoms[0],
      this.irq,
      work,
      spec.costs,
      this.nic,
    );
    this.nic.sink = this.netback;
    this.nic.peers = this.peers;
    this.netback.loss = this.peers;
    this.connectAll();
  }

  /** xl create's device entries, then the handshake of every VIF. */
  private connectAll(): void {
    const toolstack = this.xs.connect(0);
    const byDom = new Map<number, VifSpec[]>();
    for (const v of this.spec.vifs) byDom.set(v.domIndex, [...(byDom.get(v.domIndex) ?? []), v]);
    for (const [di, vifs] of byDom) {
      const d = this.host.domains[di];
      this.xs.domainCreated(d.domid);
      const err = createDomainLikeXl(toolstack, {
        domid: d.domid,
        name: d.name,
        uuid: uuidOf(d.domid),
        vcpus: d.vcpus.length,
        memoryKiB: Math.floor(d.memory / 1024),
        storePort: 1,
        storeMfn: 0xfeffc,
        startTime: this.k.now / 1e9,
        nics: vifs.map((v) => ({ devid: v.devid, mac: v.mac })),
      });
      if (err) throw new Error(`xenstore: creating ${d.name}'s entries failed: ${err}`);
    }
    const backDom = this.xs.connect(0);
    for (const v of this.spec.vifs) this.connectVif(toolstack, backDom, v);
  }

  private connectVif(toolstack: XsConnection, backDom: XsConnection, v: VifSpec): void {
    const d = this.host.domains[v.domIndex];
    const evd = this.evDoms[v.domIndex];
    const gt = this.gtDoms[v.domIndex];
    const front = new Netfront(
      this.k,
      this.fronts.length,
      this.ev,
      evd,
      gt,
      0,
      this.irq,
      this.work,
      this.spec.costs,
      v.irqVcpu,
      v.smart,
    );
    const dev: LibxlDevice = {
      kind: "vif",
      backendKind: "vif",
      domid: d.domid,
      devid: v.devid,
      backendDomid: 0,
    };
    const guestConn = this.xs.connect(d.domid);
    // The front end's allocator hands out what talk_to_netback publishes: ring grants, its port.
    let frame = 0x1000 + this.fronts.length * 2;
    const alloc = {
      grantRef: () => {
        const ref = gt.claimRef();
        gt.grantAccess(ref, 0, frame++, false);
        return ref;
      },
      evtchnPort: () => front.connect(this.evDoms[0]),
    };
    const trace = new XenbusTrace();
    const profile = profileFor("vif");
    new XlHotplug(toolstack, backendPath(dev), "vif").start();
    new XenbusBackendDriver(backDom, backendPath(dev), profile, { trace }).start();
    new XenbusFrontendDriver(guestConn, frontendPath(dev), profile, { alloc, trace }).start();
    for (const e of trace.events)
      this.handshake.push(`${d.name} ${e.device} ${e.side}: ${e.from} -> ${e.to}`);
    const be = backendPath(dev);
    const fe = frontendPath(dev);
    const state = backDom.readString(`${be}/state`);
    if (state !== String(XenbusState.Connected))
      throw new Error(`vif ${d.name}/${v.devid}: xenbus handshake did not connect (back end state ${state})`);
    // netif_map: map both ring pages, bind the event channel.
    const read = (key: string): number => {
      const s = backDom.readString(`${fe}/${key}`);
      if (isErrno(s)) throw new Error(`vif ${d.name}/${v.devid}: ${fe}/${key}: ${s}`);
      return Number(s);
    };
    for (const key of ["tx-ring-ref", "rx-ring-ref"]) {
      const h = this.gts.map(this.gtDoms[0], gt, read(key), GNTMAP_host_map);
      if (h < 0) throw new Error(`vif ${d.name}/${v.devid}: mapping ${key} failed (GNTST ${h})`);
    }
    this.netback.connect(front, read("event-channel"));
    this.fronts.push(front);
  }

  resetStats(): void {
    this.nic.resetStats();
    this.netback.resetStats();
    this.irq.resetStats();
    this.gts.stats.reset();
    for (const f of this.fronts) f.resetStats();
  }
}
