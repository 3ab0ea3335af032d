/**
 * A native PCIe hot-plug slot on a root or downstream port (PCIe Base spec 2.0 §6.7 and
 * §7.8.9-7.8.11; QEMU hw/pci/pcie.c pcie_cap_slot_* as the reference model).
 *
 * The slot is the hardware: presence detect, the attention button, the power controller,
 * the link (Data Link Layer Link Active), and command completion. Software drives it by
 * writing Slot Control; every write is one command, completed after `commandTime` by
 * setting Command Completed. Status bits are RW1C.
 *
 * Hot-plug interrupt (§6.7.3.4): the condition is HPIE && ((SltSta & SltCtl & 0x1f) ||
 * (DLLSC && DLLSCE)), status bits 0..4 lining up with their enables; the port signals
 * (MSI/MSI-X vector = PCIe Flags interrupt message number, else INTx) only when the
 * condition goes from false to true, re-evaluated after every status or control change.
 *
 * Two insertion styles:
 *  - "hardware": a real slot with a power controller. Insertion sets PDS and raises PDC;
 *    the operator presses the button (ABP); software blinks the power indicator, turns
 *    power on; `linkUpTime` later the link trains: DLLLA set, DLLSC raised.
 *  - "qemu": QEMU's emulated slot (what a guest sees under Xen's qemu-dm): PDS and DLLLA
 *    set at once, PDC and ABP raised together (pcie_cap_slot_plug_cb).
 * Surprise removal clears PDS and DLLLA and raises PDC and DLLSC at the same instant, so a
 * single interrupt fires. Orderly removal is button, then software powers off (link goes
 * down, DLLSC), then the card is pulled (PDC).
 *
 * Timing parameters (defaults are assumptions, stated in src/hw/pci/README.md):
 * commandTime 1 ms, linkUpTime 100 ms (PCIe 2.0 §6.6.1: software must wait 100 ms after
 * reset before the first config request, which bounds when the link is usable).
 */
import {
  INDICATOR,
  PCI_EXP_FLAGS,
  PCI_EXP_FLAGS_IRQ,
  PCI_EXP_LNKSTA,
  PCI_EXP_LNKSTA_DLLLA,
  PCI_EXP_SLTCAP,
  PCI_EXP_SLTCAP_PCP,
  PCI_EXP_SLTCTL,
  PCI_EXP_SLTCTL_DLLSCE,
  PCI_EXP_SLTCTL_HPIE,
  PCI_EXP_SLTCTL_PCC,
  PCI_EXP_SLTCTL_PIC,
  PCI_EXP_SLTCTL_PIC_SHIFT,
  PCI_EXP_SLTSTA,
  PCI_EXP_SLTSTA_ABP,
  PCI_EXP_SLTSTA_CC,
  PCI_EXP_SLTSTA_DLLSC,
  PCI_EXP_SLTSTA_PDC,
  PCI_EXP_SLTSTA_PDS,
} from "./cap-pcie.js";
import type { PciFunction } from "./pci-function.js";
import type { PciTopology } from "./pci-topology.js";

export const SLOT_STYLES = ["hardware", "qemu"] as const;
export type SlotStyle = (typeof SLOT_STYLES)[number];

/** Effects the slot needs from its host (no kernel import: STYLE.md 2). */
export interface SlotEffects {
  /** Runs `fn` after `delay` ns of simulated time. */
  after(delay: number, fn: () => void): void;
  /** Records a slot event for traces and reports. */
  trace(slot: PcieSlot, event: string, detail?: string): void;
}

export interface SlotTiming {
  commandTime: number;
  linkUpTime: number;
}

export const DEFAULT_SLOT_TIMING: SlotTiming = { commandTime: 1_000_000, linkUpTime: 100_000_000 };

/** A card in the slot: its functions by function number. */
export interface SlotCard {
  functions: ReadonlyArray<{ fn: number; function: PciFunction }>;
}

/** JSON-safe state beyond the port's config space (STYLE.md 14); the card is saved by its owner. */
export interface PcieSlotState {
  powered: boolean;
  condition: boolean;
  interrupts: number;
  commands: number;
}

export class PcieSlot {
  card: SlotCard | null = null;
  /** Hot-plug interrupts signalled (0 -> 1 edges of the condition). */
  interrupts = 0;
  commands = 0;
  private condition = false;
  private powered: boolean;

  constructor(
    readonly port: PciFunction,
    private readonly topo: PciTopology,
    private readonly fx: SlotEffects,
    readonly style: SlotStyle = "hardware",
    readonly timing: SlotTiming = DEFAULT_SLOT_TIMING,
  ) {
    if (port.pcieCap === 0 || port.secondary === null) throw new Error(`${port.model}: not a PCIe port`);
    port.ext.slot = this;
    this.powered = !this.hasPowerController;
    const at = port.pcieCap;
    port.onWrite(at + PCI_EXP_SLTCTL, 2, (_o, _l, _v, old) => this.controlWritten(old));
    port.onWrite(at + PCI_EXP_SLTSTA, 2, () => this.update());
  }

  save(): PcieSlotState {
    return {
      powered: this.powered,
      condition: this.condition,
      interrupts: this.interrupts,
      commands: this.commands,
    };
  }

  /** Restores into a slot rebuilt on the same port (whose config space was restored). */
  restore(s: PcieSlotState): void {
    this.powered = s.powered;
    this.condition = s.condition;
    this.interrupts = s.interrupts;
    this.commands = s.commands;
  }

  get hasPowerController(): boolean {
    return (this.port.cfg.get32(this.port.pcieCap + PCI_EXP_SLTCAP) & PCI_EXP_SLTCAP_PCP) !== 0;
  }
  get status(): number {
    return this.port.cfg.get16(this.port.pcieCap + PCI_EXP_SLTSTA);
  }
  get control(): number {
    return this.port.cfg.get16(this.port.pcieCap + PCI_EXP_SLTCTL);
  }
  get linkUp(): boolean {
    return (this.port.cfg.get16(this.port.pcieCap + PCI_EXP_LNKSTA) & PCI_EXP_LNKSTA_DLLLA) !== 0;
  }
  get isPowered(): boolean {
    return this.powered;
  }

  /** A card present at boot: powered, link up, no events (QEMU: nothing raised at boot). */
  populateAtBoot(card: SlotCard): void {
    this.card = card;
    this.setStatus(PCI_EXP_SLTSTA_PDS);
    this.powered = true;
    if (this.hasPowerController)
      this.port.cfg.clearBits(this.port.pcieCap + PCI_EXP_SLTCTL, 2, PCI_EXP_SLTCTL_PCC);
    const ctlAt = this.port.pcieCap + PCI_EXP_SLTCTL;
    this.port.cfg.set16(
      ctlAt,
      (this.control & ~PCI_EXP_SLTCTL_PIC) | (INDICATOR.on << PCI_EXP_SLTCTL_PIC_SHIFT),
    );
    this.linkUpNow(false, true);
    this.port.cfg.captureReset();
  }

  /** A card is inserted. */
  insert(card: SlotCard): void {
    if (this.card !== null) throw new Error(`${this.port.name}: slot already occupied`);
    this.card = card;
    this.fx.trace(this, "presence-detect", "card inserted: PDS=1");
    if (this.style === "qemu") {
      this.powered = true;
      this.setStatus(PCI_EXP_SLTSTA_PDS);
      this.linkUpNow(false);
      this.raise(PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_ABP, "PDC+ABP (QEMU hot-add)");
      return;
    }
    this.setStatus(PCI_EXP_SLTSTA_PDS);
    this.raise(PCI_EXP_SLTSTA_PDC, "PDC");
    if (this.powered) this.fx.after(this.timing.linkUpTime, () => this.linkUpNow(true));
  }

  /** The operator presses the attention button. */
  pressAttentionButton(): void {
    this.raise(PCI_EXP_SLTSTA_ABP, "ABP");
  }

  /** The card is pulled out without warning. */
  surpriseRemove(): void {
    if (this.card === null) return;
    this.detachCard();
    this.clearStatus(PCI_EXP_SLTSTA_PDS);
    const wasUp = this.linkUp;
    this.port.cfg.clearBits(this.port.pcieCap + PCI_EXP_LNKSTA, 2, PCI_EXP_LNKSTA_DLLLA);
    this.raise(
      PCI_EXP_SLTSTA_PDC | (wasUp ? PCI_EXP_SLTSTA_DLLSC : 0),
      wasUp ? "PDC+DLLSC (surprise)" : "PDC",
    );
  }

  /** The (powered-off) card is pulled out after an orderly removal. */
  remove(): void {
    if (this.card === null) return;
    if (this.linkUp) {
      this.surpriseRemove();
      return;
    }
    this.card = null;
    this.clearStatus(PCI_EXP_SLTSTA_PDS);
    this.raise(PCI_EXP_SLTSTA_PDC, "PDC");
  }

  /** A Slot Control write: power controller and indicators act, then Command Completed. */
  private controlWritten(old: number): void {
    this.commands++;
    const ctl = this.control;
    const changed = (old ^ ctl) & PCI_EXP_SLTCTL_PCC;
    if (changed && this.hasPowerController) {
      const on = (ctl & PCI_EXP_SLTCTL_PCC) === 0;
      this.fx.trace(this, on ? "power-on" : "power-off", `PIC=${indicatorName(ctl)}`);
      if (on) this.powerOn();
      else if (this.style === "qemu") this.detachAfterUnplugRequest();
      else this.powerOff();
    }
    const done = (): void => this.raise(PCI_EXP_SLTSTA_CC, "CC");
    if (this.timing.commandTime === 0) done();
    else this.fx.after(this.timing.commandTime, done);
    this.update();
  }

  private powerOn(): void {
    this.powered = true;
    if (this.card !== null) this.fx.after(this.timing.linkUpTime, () => this.linkUpNow(true));
  }

  private powerOff(): void {
    this.powered = false;
    if (this.linkUp) {
      this.port.cfg.clearBits(this.port.pcieCap + PCI_EXP_LNKSTA, 2, PCI_EXP_LNKSTA_DLLLA);
      this.detachFunctions();
      this.raise(PCI_EXP_SLTSTA_DLLSC, "DLLSC (link down)");
    }
  }

  /** QEMU's slot: the guest's power-off request removes the device (pcie_cap_slot_do_unplug). */
  private detachAfterUnplugRequest(): void {
    this.powered = false;
    if (this.card === null) return;
    this.detachCard();
    this.clearStatus(PCI_EXP_SLTSTA_PDS);
    this.port.cfg.clearBits(this.port.pcieCap + PCI_EXP_LNKSTA, 2, PCI_EXP_LNKSTA_DLLLA);
    this.raise(PCI_EXP_SLTSTA_PDC, "PDC (QEMU unplug)");
  }

  private linkUpNow(signal: boolean, quiet = false): void {
    if (this.card === null || !this.powered || this.linkUp) return;
    this.port.cfg.setBits(this.port.pcieCap + PCI_EXP_LNKSTA, 2, PCI_EXP_LNKSTA_DLLLA);
    const sec = this.port.secondary!;
    for (const f of this.card.functions) this.topo.attach(sec, f.fn, f.function);
    if (signal) this.raise(PCI_EXP_SLTSTA_DLLSC, "DLLSC (link up)");
    else if (!quiet) this.fx.trace(this, "link-up", "DLLLA=1");
  }

  private detachFunctions(): void {
    if (this.card === null) return;
    for (const f of this.card.functions) this.topo.detach(f.function);
  }

  private detachCard(): void {
    this.detachFunctions();
    this.card = null;
  }

  private setStatus(bits: number): void {
    this.port.cfg.setBits(this.port.pcieCap + PCI_EXP_SLTSTA, 2, bits);
  }
  private clearStatus(bits: number): void {
    this.port.cfg.clearBits(this.port.pcieCap + PCI_EXP_SLTSTA, 2, bits);
  }

  private raise(bits: number, what: string): void {
    this.setStatus(bits);
    this.fx.trace(this, "status", what);
    this.update();
  }

  /** Re-evaluates the hot-plug interrupt condition and signals on a 0 -> 1 edge. */
  private update(): void {
    const sta = this.status;
    const ctl = this.control;
    const now =
      (ctl & PCI_EXP_SLTCTL_HPIE) !== 0 &&
      ((sta & ctl & 0x1f) !== 0 ||
        ((sta & PCI_EXP_SLTSTA_DLLSC) !== 0 && (ctl & PCI_EXP_SLTCTL_DLLSCE) !== 0));
    const rising = now && !this.condition;
    // Update before signalling: the handler may clear status from inside the interrupt.
    this.condition = now;
    if (rising) {
      this.interrupts++;
      this.fx.trace(this, "interrupt", `hot-plug interrupt (SltSta=0x${sta.toString(16)})`);
      this.port.interrupt((this.port.cfg.get16(this.port.pcieCap + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_IRQ) >> 9);
    }
  }
}

export function indicatorName(ctl: number): string {
  const v = (ctl & PCI_EXP_SLTCTL_PIC) >> PCI_EXP_SLTCTL_PIC_SHIFT;
  return v === INDICATOR.on
    ? "on"
    : v === INDICATOR.blink
      ? "blink"
      : v === INDICATOR.off
        ? "off"
        : "reserved";
}
