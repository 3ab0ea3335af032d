/**
 * The operating-system side of native hot-plug: what Linux's pciehp driver
 * (drivers/pci/hotplug/pciehp_hpc.c and pciehp_ctrl.c, 2.6.3x) does with a slot, so that
 * tests and scenarios can run whole insertion and removal sequences against pcie-slot.ts.
 * It lives here, beside the slot, until the guest layer exists; it only uses the slot's
 * config registers, as a driver does.
 *
 *  - init (pcie_enable_notification, 2.6.32): HPIE, PDCE, CCIE, ABPE with an attention
 *    button, PFDE with a power controller, and DLLSCE where the port reports link state.
 *  - interrupt (pcie_isr): read Slot Status, write back the bits seen (RW1C), act on them.
 *  - attention button: blink the power indicator, wait `buttonWait` (5 s: pciehp's
 *    "5 * HZ" abort window), then power the slot on (PCC = 0, indicator on) or off.
 *  - link up (DLLSC with DLLLA = 1): wait `enumerateDelay` (100 ms, PCIe §6.6.1), read
 *    the vendor id of device 0 function 0 behind the port; a function answering means the
 *    device is ready.
 *  - presence lost or link down while a device was present: the device is gone, and the
 *    slot is powered off with its indicators off (pciehp_disable_slot).
 */

import { bdfFromDevfn } from "./bdf.js";
import {
  INDICATOR,
  PCI_EXP_LNKCAP,
  PCI_EXP_LNKCAP_DLLLARC,
  PCI_EXP_LNKSTA,
  PCI_EXP_LNKSTA_DLLLA,
  PCI_EXP_SLTCAP,
  PCI_EXP_SLTCAP_ABP,
  PCI_EXP_SLTCAP_NCCS,
  PCI_EXP_SLTCAP_PCP,
  PCI_EXP_SLTCTL,
  PCI_EXP_SLTCTL_ABPE,
  PCI_EXP_SLTCTL_CCIE,
  PCI_EXP_SLTCTL_DLLSCE,
  PCI_EXP_SLTCTL_HPIE,
  PCI_EXP_SLTCTL_PCC,
  PCI_EXP_SLTCTL_PDCE,
  PCI_EXP_SLTCTL_PFDE,
  PCI_EXP_SLTCTL_PIC,
  PCI_EXP_SLTCTL_PIC_SHIFT,
  PCI_EXP_SLTSTA,
  PCI_EXP_SLTSTA_ABP,
  PCI_EXP_SLTSTA_DLLSC,
  PCI_EXP_SLTSTA_PDC,
  PCI_EXP_SLTSTA_PDS,
  PCI_EXP_SLTSTA_W1C,
} from "./cap-pcie.js";
import type { PciFunction } from "./pci-function.js";
import { PCI_VENDOR_ID, PCI_VENDOR_NONE } from "./pci-regs.js";
import type { PciTopology } from "./pci-topology.js";
import type { PcieSlot, SlotEffects } from "./pcie-slot.js";

export interface PciehpTiming {
  buttonWait: number;
  enumerateDelay: number;
}
export const DEFAULT_PCIEHP_TIMING: PciehpTiming = { buttonWait: 5_000_000_000, enumerateDelay: 100_000_000 };

export interface PciehpEvents {
  /** The device behind the slot answered config reads: ready for a driver (or assignment). */
  deviceReady(slot: PcieSlot, fn0: PciFunction): void;
  /** The device is gone (removal finished, or surprise). */
  deviceGone(slot: PcieSlot): void;
}

export class Pciehp {
  private present = false;

  constructor(
    readonly slot: PcieSlot,
    private readonly topo: PciTopology,
    private readonly fx: SlotEffects,
    private readonly events: PciehpEvents,
    readonly timing: PciehpTiming = DEFAULT_PCIEHP_TIMING,
  ) {}

  private get port(): PciFunction {
    return this.slot.port;
  }
  private reg(off: number): number {
    return this.port.cfg.read(this.port.pcieCap + off, 2);
  }
  private writeCtl(v: number): void {
    this.port.configWrite(this.port.pcieCap + PCI_EXP_SLTCTL, 2, v);
  }

  /** pcie_enable_notification (Linux 2.6.32, plus DLLSCE where the port reports link state). */
  init(): void {
    const cap = this.port.cfg.read(this.port.pcieCap + PCI_EXP_SLTCAP, 4);
    const lnkcap = this.port.cfg.read(this.port.pcieCap + PCI_EXP_LNKCAP, 4);
    let ctl = this.reg(PCI_EXP_SLTCTL) | PCI_EXP_SLTCTL_HPIE | PCI_EXP_SLTCTL_PDCE;
    if (cap & PCI_EXP_SLTCAP_ABP) ctl |= PCI_EXP_SLTCTL_ABPE;
    if (cap & PCI_EXP_SLTCAP_PCP) ctl |= PCI_EXP_SLTCTL_PFDE;
    if (lnkcap & PCI_EXP_LNKCAP_DLLLARC) ctl |= PCI_EXP_SLTCTL_DLLSCE;
    if ((cap & PCI_EXP_SLTCAP_NCCS) === 0) ctl |= PCI_EXP_SLTCTL_CCIE;
    this.present = (this.reg(PCI_EXP_SLTSTA) & PCI_EXP_SLTSTA_PDS) !== 0;
    this.writeCtl(ctl);
  }

  /** pcie_isr: called for the port's hot-plug interrupt. */
  interrupt(): void {
    const sta = this.reg(PCI_EXP_SLTSTA);
    const events = sta & PCI_EXP_SLTSTA_W1C;
    if (events === 0) return;
    this.port.configWrite(this.port.pcieCap + PCI_EXP_SLTSTA, 2, events);
    if (events & PCI_EXP_SLTSTA_ABP) this.button();
    const linkUp = (this.reg(PCI_EXP_LNKSTA) & PCI_EXP_LNKSTA_DLLLA) !== 0;
    if (events & PCI_EXP_SLTSTA_DLLSC && linkUp)
      this.fx.after(this.timing.enumerateDelay, () => this.enumerate());
    const gone =
      (events & PCI_EXP_SLTSTA_PDC && (sta & PCI_EXP_SLTSTA_PDS) === 0) ||
      (events & PCI_EXP_SLTSTA_DLLSC && !linkUp);
    if (gone && this.present) {
      this.present = false;
      this.fx.trace(this.slot, "driver", "device removed");
      this.events.deviceGone(this.slot);
      // pciehp_disable_slot: power the (now empty) slot off, indicators off.
      const ctl = this.reg(PCI_EXP_SLTCTL);
      if (this.slot.hasPowerController && (ctl & PCI_EXP_SLTCTL_PCC) === 0)
        this.writeCtl(
          (ctl & ~PCI_EXP_SLTCTL_PIC) | PCI_EXP_SLTCTL_PCC | (INDICATOR.off << PCI_EXP_SLTCTL_PIC_SHIFT),
        );
    }
  }

  /** Attention button: blink, wait the abort window, then toggle power (pciehp_handle_button_press). */
  private button(): void {
    const ctl = this.reg(PCI_EXP_SLTCTL);
    const poweredOn = (ctl & PCI_EXP_SLTCTL_PCC) === 0;
    this.fx.trace(
      this.slot,
      "driver",
      `button: power indicator blinks, ${poweredOn ? "power off" : "power on"} in 5 s`,
    );
    this.writeCtl((ctl & ~PCI_EXP_SLTCTL_PIC) | (INDICATOR.blink << PCI_EXP_SLTCTL_PIC_SHIFT));
    this.fx.after(this.timing.buttonWait, () => {
      const c = this.reg(PCI_EXP_SLTCTL) & ~PCI_EXP_SLTCTL_PIC;
      if (poweredOn) {
        this.writeCtl(c | PCI_EXP_SLTCTL_PCC | (INDICATOR.off << PCI_EXP_SLTCTL_PIC_SHIFT));
        return;
      }
      this.writeCtl((c & ~PCI_EXP_SLTCTL_PCC) | (INDICATOR.on << PCI_EXP_SLTCTL_PIC_SHIFT));
      // pciehp_power_on_slot then pcie_wait_for_link: poll DLLLA rather than wait for an event.
      if ((this.reg(PCI_EXP_LNKSTA) & PCI_EXP_LNKSTA_DLLLA) !== 0)
        this.fx.after(this.timing.enumerateDelay, () => this.enumerate());
    });
  }

  /** pciehp_configure_device: read the vendor id of 00.0 behind the port. */
  private enumerate(): void {
    const sec = this.port.secondary;
    if (sec === null || this.present) return;
    const fn0 = this.topo.route(bdfFromDevfn(sec.number, 0));
    if (fn0 === null || fn0.configRead(PCI_VENDOR_ID, 2) === PCI_VENDOR_NONE) return;
    this.present = true;
    this.fx.trace(this.slot, "driver", `enumerated ${fn0.name}`);
    this.events.deviceReady(this.slot, fn0);
  }
}
