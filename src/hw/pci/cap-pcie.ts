/**
 * The PCI Express capability, version 2 (PCIe Base spec 2.0 §7.8; pci_regs.h
 * PCI_EXP_*; QEMU hw/pci/pcie.c pcie_cap_init for the masks): device, link and slot
 * registers, root control/status, and the "2" registers (ARI forwarding). Which
 * registers are writable depends on the port type; the masks below follow the spec's
 * attribute columns. Behaviour with side effects (FLR, slot control, link retrain) lives
 * with the models that own it (pci-function hooks, pcie-slot.ts).
 */
import type { ConfigSpace } from "./config-space.js";
import { PCI_CAP_ID_EXP } from "./pci-regs.js";

export const PCI_EXP_FLAGS = 0x02;
export const PCI_EXP_FLAGS_VERS = 0x000f;
export const PCI_EXP_FLAGS_TYPE = 0x00f0;
export const PCI_EXP_FLAGS_SLOT = 0x0100;
export const PCI_EXP_FLAGS_IRQ = 0x3e00;
/** Device/port type (bits 7..4 of PCI_EXP_FLAGS). */
export const PCI_EXP_TYPE = {
  endpoint: 0x0,
  legacyEndpoint: 0x1,
  rootPort: 0x4,
  upstream: 0x5,
  downstream: 0x6,
  pcieToPci: 0x7,
  pciToPcie: 0x8,
  rcEndpoint: 0x9,
  rcEventCollector: 0xa,
} as const;

export const PCI_EXP_DEVCAP = 0x04;
export const PCI_EXP_DEVCAP_PAYLOAD = 0x00000007;
export const PCI_EXP_DEVCAP_EXT_TAG = 0x00000020;
export const PCI_EXP_DEVCAP_L0S = 0x000001c0;
export const PCI_EXP_DEVCAP_L1 = 0x00000e00;
export const PCI_EXP_DEVCAP_RBER = 0x00008000;
export const PCI_EXP_DEVCAP_FLR = 0x10000000;
export const PCI_EXP_DEVCTL = 0x08;
export const PCI_EXP_DEVCTL_CERE = 0x0001;
export const PCI_EXP_DEVCTL_NFERE = 0x0002;
export const PCI_EXP_DEVCTL_FERE = 0x0004;
export const PCI_EXP_DEVCTL_URRE = 0x0008;
export const PCI_EXP_DEVCTL_RELAX_EN = 0x0010;
export const PCI_EXP_DEVCTL_PAYLOAD = 0x00e0;
export const PCI_EXP_DEVCTL_EXT_TAG = 0x0100;
export const PCI_EXP_DEVCTL_NOSNOOP_EN = 0x0800;
export const PCI_EXP_DEVCTL_READRQ = 0x7000;
export const PCI_EXP_DEVCTL_BCR_FLR = 0x8000;
export const PCI_EXP_DEVSTA = 0x0a;
export const PCI_EXP_DEVSTA_CED = 0x0001;
export const PCI_EXP_DEVSTA_NFED = 0x0002;
export const PCI_EXP_DEVSTA_FED = 0x0004;
export const PCI_EXP_DEVSTA_URD = 0x0008;
export const PCI_EXP_DEVSTA_AUXPD = 0x0010;
export const PCI_EXP_DEVSTA_TRPND = 0x0020;

export const PCI_EXP_LNKCAP = 0x0c;
export const PCI_EXP_LNKCAP_SLS = 0x0000000f;
export const PCI_EXP_LNKCAP_MLW = 0x000003f0;
export const PCI_EXP_LNKCAP_ASPMS = 0x00000c00;
export const PCI_EXP_LNKCAP_SDERC = 0x00080000;
export const PCI_EXP_LNKCAP_DLLLARC = 0x00100000;
export const PCI_EXP_LNKCAP_LBNC = 0x00200000;
export const PCI_EXP_LNKCAP_PN_SHIFT = 24;
export const PCI_EXP_LNKCTL = 0x10;
export const PCI_EXP_LNKCTL_ASPMC = 0x0003;
export const PCI_EXP_LNKCTL_RCB = 0x0008;
export const PCI_EXP_LNKCTL_LD = 0x0010;
export const PCI_EXP_LNKCTL_RL = 0x0020;
export const PCI_EXP_LNKCTL_CCC = 0x0040;
export const PCI_EXP_LNKCTL_ES = 0x0080;
export const PCI_EXP_LNKCTL_LBMIE = 0x0400;
export const PCI_EXP_LNKCTL_LABIE = 0x0800;
export const PCI_EXP_LNKSTA = 0x12;
export const PCI_EXP_LNKSTA_CLS = 0x000f;
export const PCI_EXP_LNKSTA_NLW = 0x03f0;
export const PCI_EXP_LNKSTA_NLW_SHIFT = 4;
export const PCI_EXP_LNKSTA_LT = 0x0800;
export const PCI_EXP_LNKSTA_SLC = 0x1000;
export const PCI_EXP_LNKSTA_DLLLA = 0x2000;
export const PCI_EXP_LNKSTA_LBMS = 0x4000;
export const PCI_EXP_LNKSTA_LABS = 0x8000;

export const PCI_EXP_SLTCAP = 0x14;
export const PCI_EXP_SLTCAP_ABP = 0x00000001;
export const PCI_EXP_SLTCAP_PCP = 0x00000002;
export const PCI_EXP_SLTCAP_MRLSP = 0x00000004;
export const PCI_EXP_SLTCAP_AIP = 0x00000008;
export const PCI_EXP_SLTCAP_PIP = 0x00000010;
export const PCI_EXP_SLTCAP_HPS = 0x00000020;
export const PCI_EXP_SLTCAP_HPC = 0x00000040;
export const PCI_EXP_SLTCAP_SPLV_SHIFT = 7;
export const PCI_EXP_SLTCAP_SPLS_SHIFT = 15;
export const PCI_EXP_SLTCAP_EIP = 0x00020000;
export const PCI_EXP_SLTCAP_NCCS = 0x00040000;
export const PCI_EXP_SLTCAP_PSN_SHIFT = 19;
export const PCI_EXP_SLTCTL = 0x18;
export const PCI_EXP_SLTCTL_ABPE = 0x0001;
export const PCI_EXP_SLTCTL_PFDE = 0x0002;
export const PCI_EXP_SLTCTL_MRLSCE = 0x0004;
export const PCI_EXP_SLTCTL_PDCE = 0x0008;
export const PCI_EXP_SLTCTL_CCIE = 0x0010;
export const PCI_EXP_SLTCTL_HPIE = 0x0020;
export const PCI_EXP_SLTCTL_AIC = 0x00c0;
export const PCI_EXP_SLTCTL_PIC = 0x0300;
export const PCI_EXP_SLTCTL_PCC = 0x0400;
export const PCI_EXP_SLTCTL_EIC = 0x0800;
export const PCI_EXP_SLTCTL_DLLSCE = 0x1000;
/** Indicator encodings in SLTCTL (AIC bits 7..6, PIC bits 9..8): 1 on, 2 blink, 3 off. */
export const INDICATOR = { on: 1, blink: 2, off: 3 } as const;
export const PCI_EXP_SLTCTL_AIC_SHIFT = 6;
export const PCI_EXP_SLTCTL_PIC_SHIFT = 8;
export const PCI_EXP_SLTSTA = 0x1a;
export const PCI_EXP_SLTSTA_ABP = 0x0001;
export const PCI_EXP_SLTSTA_PFD = 0x0002;
export const PCI_EXP_SLTSTA_MRLSC = 0x0004;
export const PCI_EXP_SLTSTA_PDC = 0x0008;
export const PCI_EXP_SLTSTA_CC = 0x0010;
export const PCI_EXP_SLTSTA_MRLSS = 0x0020;
export const PCI_EXP_SLTSTA_PDS = 0x0040;
export const PCI_EXP_SLTSTA_EIS = 0x0080;
export const PCI_EXP_SLTSTA_DLLSC = 0x0100;
export const PCI_EXP_SLTSTA_W1C =
  PCI_EXP_SLTSTA_ABP |
  PCI_EXP_SLTSTA_PFD |
  PCI_EXP_SLTSTA_MRLSC |
  PCI_EXP_SLTSTA_PDC |
  PCI_EXP_SLTSTA_CC |
  PCI_EXP_SLTSTA_DLLSC;

export const PCI_EXP_RTCTL = 0x1c;
export const PCI_EXP_RTCTL_SECEE = 0x0001;
export const PCI_EXP_RTCTL_SENFEE = 0x0002;
export const PCI_EXP_RTCTL_SEFEE = 0x0004;
export const PCI_EXP_RTCTL_PMEIE = 0x0008;
export const PCI_EXP_RTCTL_CRSSVE = 0x0010;
export const PCI_EXP_RTCAP = 0x1e;
export const PCI_EXP_RTSTA = 0x20;
export const PCI_EXP_RTSTA_PME = 0x00010000;
export const PCI_EXP_RTSTA_PENDING = 0x00020000;

export const PCI_EXP_DEVCAP2 = 0x24;
export const PCI_EXP_DEVCAP2_COMP_TMOUT_DIS = 0x00000010;
export const PCI_EXP_DEVCAP2_ARI = 0x00000020;
export const PCI_EXP_DEVCTL2 = 0x28;
export const PCI_EXP_DEVCTL2_COMP_TIMEOUT = 0x000f;
export const PCI_EXP_DEVCTL2_COMP_TMOUT_DIS = 0x0010;
export const PCI_EXP_DEVCTL2_ARI = 0x0020;
export const PCI_EXP_DEVSTA2 = 0x2a;
export const PCI_EXP_LNKCAP2 = 0x2c;
export const PCI_EXP_LNKCTL2 = 0x30;
export const PCI_EXP_LNKSTA2 = 0x32;
export const PCI_EXP_SLTCAP2 = 0x34;
export const PCI_EXP_SLTCTL2 = 0x38;
export const PCI_EXP_SLTSTA2 = 0x3a;
/** Size of a version 2 capability (pci_regs.h PCI_CAP_EXP_ENDPOINT_SIZEOF_V2 and friends: 0x3c). */
export const PCI_CAP_EXP_SIZEOF_V2 = 0x3c;

/** Link speeds as the LNKCAP/LNKSTA field encodes them (1 = 2.5 GT/s, 2 = 5 GT/s). */
export const LINK_SPEED = { "2.5GT/s": 1, "5GT/s": 2, "8GT/s": 3 } as const;
export type LinkSpeed = keyof typeof LINK_SPEED;

export type PcieType = keyof typeof PCI_EXP_TYPE;

export interface SlotOptions {
  /** Physical slot number (SLTCAP bits 31..19). */
  number: number;
  attentionButton?: boolean;
  powerController?: boolean;
  attentionIndicator?: boolean;
  powerIndicator?: boolean;
  hotplugSurprise?: boolean;
  /** Slot power limit in watts (encoded with scale 1.0 W, value <= 255). */
  powerLimitWatts?: number;
}

export interface PcieCapOptions {
  type: PcieType;
  /** Max payload supported: 0 = 128 bytes .. 5 = 4096 bytes. */
  maxPayload?: number;
  flr?: boolean;
  extTag?: boolean;
  /** Role-based error reporting (set by every PCIe 1.1+ device). */
  rber?: boolean;
  speed?: LinkSpeed;
  width?: number;
  portNumber?: number;
  aspm?: 0 | 1 | 2 | 3;
  /** Ports: data link layer link active reporting capable (needed for hot-plug, §7.8.6). */
  dllActiveReporting?: boolean;
  surpriseDownReporting?: boolean;
  slot?: SlotOptions;
  /** Downstream and root ports: ARI forwarding supported. */
  ariForwarding?: boolean;
  /** MSI/MSI-X vector for the capability's own interrupts (hot-plug, PME). */
  interruptMessage?: number;
  at?: number;
}

const isPort = (t: PcieType): boolean => t === "rootPort" || t === "downstream" || t === "upstream";
const isDownstreamSide = (t: PcieType): boolean => t === "rootPort" || t === "downstream";

/** Adds a version 2 PCI Express capability; returns its offset. */
export function addPcieCap(cfg: ConfigSpace, o: PcieCapOptions): number {
  const at = cfg.addCap(PCI_CAP_ID_EXP, PCI_CAP_EXP_SIZEOF_V2, o.at);
  const type = PCI_EXP_TYPE[o.type];
  const slot = o.slot !== undefined && isDownstreamSide(o.type);
  cfg.set16(
    at + PCI_EXP_FLAGS,
    2 | (type << 4) | (slot ? PCI_EXP_FLAGS_SLOT : 0) | ((o.interruptMessage ?? 0) << 9),
  );

  const devcap =
    (o.maxPayload ?? 1) |
    (o.extTag ? PCI_EXP_DEVCAP_EXT_TAG : 0) |
    ((o.rber ?? true) ? PCI_EXP_DEVCAP_RBER : 0) |
    (o.flr ? PCI_EXP_DEVCAP_FLR : 0);
  cfg.set32(at + PCI_EXP_DEVCAP, devcap >>> 0);
  // Reset: 128-byte payload, 512-byte read requests (MaxReadReq = 2), no reporting.
  cfg.set16(at + PCI_EXP_DEVCTL, 0x2000 | PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN);
  cfg.mask(at + PCI_EXP_DEVCTL, 2, 0x7fff & ~0x0200); // all but phantom functions; bit 15 is a command
  cfg.mask(
    at + PCI_EXP_DEVSTA,
    2,
    0,
    PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED | PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD,
  );

  const speed = LINK_SPEED[o.speed ?? "2.5GT/s"];
  const width = o.width ?? 1;
  const lnkcap =
    speed |
    (width << 4) |
    ((o.aspm ?? 0) << 10) |
    (o.surpriseDownReporting ? PCI_EXP_LNKCAP_SDERC : 0) |
    (o.dllActiveReporting ? PCI_EXP_LNKCAP_DLLLARC : 0) |
    ((o.portNumber ?? 0) << PCI_EXP_LNKCAP_PN_SHIFT);
  cfg.set32(at + PCI_EXP_LNKCAP, lnkcap >>> 0);
  let lnkctlMask = PCI_EXP_LNKCTL_ASPMC | PCI_EXP_LNKCTL_CCC | PCI_EXP_LNKCTL_ES;
  if (isDownstreamSide(o.type))
    lnkctlMask |= PCI_EXP_LNKCTL_LD | PCI_EXP_LNKCTL_RL | PCI_EXP_LNKCTL_LBMIE | PCI_EXP_LNKCTL_LABIE;
  if (o.type === "rootPort") lnkctlMask |= PCI_EXP_LNKCTL_RCB;
  cfg.mask(at + PCI_EXP_LNKCTL, 2, lnkctlMask & ~PCI_EXP_LNKCTL_RL); // retrain is a command that reads 0
  // Negotiated speed and width; a port's DLLLA is set when its link is up (pcie-link.ts).
  cfg.set16(at + PCI_EXP_LNKSTA, speed | (width << PCI_EXP_LNKSTA_NLW_SHIFT) | PCI_EXP_LNKSTA_SLC);
  if (isDownstreamSide(o.type))
    cfg.mask(at + PCI_EXP_LNKSTA, 2, 0, PCI_EXP_LNKSTA_LBMS | PCI_EXP_LNKSTA_LABS);

  if (slot && o.slot) {
    const s = o.slot;
    const watts = Math.min(255, Math.round(s.powerLimitWatts ?? 25));
    const sltcap =
      (s.attentionButton ? PCI_EXP_SLTCAP_ABP : 0) |
      (s.powerController ? PCI_EXP_SLTCAP_PCP : 0) |
      (s.attentionIndicator ? PCI_EXP_SLTCAP_AIP : 0) |
      (s.powerIndicator ? PCI_EXP_SLTCAP_PIP : 0) |
      (s.hotplugSurprise ? PCI_EXP_SLTCAP_HPS : 0) |
      PCI_EXP_SLTCAP_HPC |
      (watts << PCI_EXP_SLTCAP_SPLV_SHIFT) |
      (s.number << PCI_EXP_SLTCAP_PSN_SHIFT);
    cfg.set32(at + PCI_EXP_SLTCAP, sltcap >>> 0);
    // Reset: indicators off, power off (the slot model fixes power for a populated slot).
    const ctl =
      (INDICATOR.off << PCI_EXP_SLTCTL_AIC_SHIFT) |
      (INDICATOR.off << PCI_EXP_SLTCTL_PIC_SHIFT) |
      (s.powerController ? PCI_EXP_SLTCTL_PCC : 0);
    cfg.set16(at + PCI_EXP_SLTCTL, ctl);
    cfg.mask(at + PCI_EXP_SLTCTL, 2, 0x1fff);
    cfg.mask(at + PCI_EXP_SLTSTA, 2, 0, PCI_EXP_SLTSTA_W1C);
  }
  if (o.type === "rootPort") {
    cfg.mask(at + PCI_EXP_RTCTL, 2, 0x000f);
    cfg.mask(at + PCI_EXP_RTSTA, 4, 0, PCI_EXP_RTSTA_PME);
  }
  const devcap2 = (o.ariForwarding && isDownstreamSide(o.type) ? PCI_EXP_DEVCAP2_ARI : 0) | 0;
  cfg.set32(at + PCI_EXP_DEVCAP2, devcap2);
  cfg.mask(at + PCI_EXP_DEVCTL2, 2, devcap2 & PCI_EXP_DEVCAP2_ARI ? PCI_EXP_DEVCTL2_ARI : 0);
  // Supported link speeds vector: every speed up to the maximum (bits 7..1).
  cfg.set32(at + PCI_EXP_LNKCAP2, ((1 << speed) - 1) << 1);
  cfg.set16(at + PCI_EXP_LNKCTL2, speed);
  if (isPort(o.type) || o.type === "endpoint") cfg.mask(at + PCI_EXP_LNKCTL2, 2, 0x000f);
  return at;
}
