/**
 * The guest kernels' event-channel IRQ layer (Linux drivers/xen/events.c, 2-level): an
 * event kicks a vCPU (EvtchnKick from xen/pv/evtchn.ts); the kick queues one upcall job
 * on that vCPU (at most one outstanding, as evtchn_upcall_pending stays set until the
 * guest clears it); when the vCPU runs the upcall, xen_evtchn_do_upcall scans the
 * pending ports and calls each port's IRQ handler, which may queue softirq work.
 *
 * The kick goes through CpuWork.post, which wakes a blocked vCPU through the host's
 * scheduler (vcpu_unblock), so event latency includes scheduling latency. Cost of an
 * upcall: `upcall` + `irq_handler` per port pending when it starts (at least one).
 */
import type { EventChannels, EvtchnDomain, EvtchnKick } from "../xen/pv/evtchn.js";
import { type CpuWork, type KernelWorker, WORK } from "./cpu-work.js";
import type { IoCosts } from "./io-costs.js";

export interface IrqHandler {
  /** The port fired; runs inside the upcall on the vCPU it is bound to. */
  irq(port: number, now: number): void;
}

export class PvIrq implements EvtchnKick, KernelWorker {
  readonly category = WORK.upcall;
  ev!: EventChannels;
  /** Handlers per evtchn domain index, per port. */
  private readonly handlers: (IrqHandler | undefined)[][] = [];
  /** Per host vCPU: its evtchn domain and vcpu_id (-1: not a PV I/O vCPU). */
  private readonly vDom: Int32Array;
  private readonly vId: Int32Array;
  private readonly pending: Uint8Array;
  /** Upcalls run, and ports handled, per host vCPU. */
  readonly upcalls: Float64Array;
  readonly ports: Float64Array;
  private scanDom: (IrqHandler | undefined)[] = [];
  private scanNow = 0;

  constructor(
    private readonly work: CpuWork,
    private readonly costs: IoCosts,
    vcpuCapacity: number,
  ) {
    this.vDom = new Int32Array(vcpuCapacity).fill(-1);
    this.vId = new Int32Array(vcpuCapacity).fill(-1);
    this.pending = new Uint8Array(vcpuCapacity);
    this.upcalls = new Float64Array(vcpuCapacity);
    this.ports = new Float64Array(vcpuCapacity);
  }

  /** Registers a domain's vCPUs (after ev.addDomain). */
  addDomain(d: EvtchnDomain): void {
    this.handlers[d.index] = [];
    d.hostVcpus.forEach((v, i) => {
      this.vDom[v] = d.index;
      this.vId[v] = i;
    });
  }

  /** bind_evtchn_to_irqhandler. */
  bind(d: EvtchnDomain, port: number, h: IrqHandler): void {
    this.handlers[d.index][port] = h;
  }

  /** vcpu_kick: one upcall job per vCPU until it runs. */
  kick(v: number): void {
    if (this.pending[v]) return;
    this.pending[v] = 1;
    this.work.post(v, this, v, true);
  }

  begin(v: number): number {
    const d = this.ev.domains[this.vDom[v]];
    const n = this.ev.pendingFor(d, this.vId[v]);
    return this.costs.upcall + this.costs.irq_handler * (n > 0 ? n : 1);
  }

  end(v: number, now: number): void {
    this.pending[v] = 0;
    this.upcalls[v]++;
    const d = this.ev.domains[this.vDom[v]];
    this.scanDom = this.handlers[d.index];
    this.scanNow = now;
    this.ports[v] += this.ev.upcallScan(d, this.vId[v], this.visit);
  }

  private readonly visit = (port: number): void => {
    this.scanDom[port]?.irq(port, this.scanNow);
  };

  resetStats(): void {
    this.upcalls.fill(0);
    this.ports.fill(0);
  }
}
