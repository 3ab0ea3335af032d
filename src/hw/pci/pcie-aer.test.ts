import { describe, expect, it } from "vitest";
import { PCI_EXP_DEVSTA } from "./cap-pcie.js";
import {
  PCI_ERR_CAP,
  PCI_ERR_COR_STATUS,
  PCI_ERR_HEADER_LOG,
  PCI_ERR_ROOT_ERR_SRC,
  PCI_ERR_ROOT_FATAL_RCV,
  PCI_ERR_ROOT_FIRST_FATAL,
  PCI_ERR_ROOT_MULTI_UNCOR_RCV,
  PCI_ERR_ROOT_NONFATAL_RCV,
  PCI_ERR_ROOT_STATUS,
  PCI_ERR_ROOT_UNCOR_RCV,
  PCI_ERR_UNC,
  PCI_ERR_UNCOR_MASK,
  PCI_ERR_UNCOR_SEVER,
  PCI_ERR_UNCOR_STATUS,
} from "./ext-cap-aer.js";
import { PciMachine } from "./pci-machine.js";
import { PCI_BRIDGE_CONTROL, PCI_COMMAND, PCI_SEC_STATUS, PCI_STATUS } from "./pci-regs.js";
import { injectAerError } from "./pcie-aer.js";

/**
 * seed-talks T2's experiment: root port -> switch -> endpoint (an 82576 with 7 VFs per
 * port behind ARI). Expected per PCIe 2.0 §6.2: a malformed TLP at the endpoint gives the
 * root FATAL_RCV | FIRST_FATAL, the endpoint's routing id as source, and one interrupt; a
 * second error sets MULTI and raises none; with SERR forwarding off in the switch the error
 * stops there.
 */
function machine() {
  const m = PciMachine.build({
    host: "ioh5520",
    ecamBase: 0xe0000000,
    devices: [
      {
        model: "root-port",
        device: 1,
        name: "rp1",
        child: {
          model: "switch",
          name: "sw0",
          ports: [{ name: "dp0", child: { model: "igb-82576", name: "nic0", vfs: 7 } }],
        },
      },
    ],
  });
  const rp = m.find("rp1")!;
  let interrupts = 0;
  rp.signal = () => interrupts++;
  return { m, rp, ep: m.find("nic0")!, vf: m.find("nic0.vf3")!, ints: () => interrupts };
}

describe("AER (T2 experiment iii and iv)", () => {
  it("a malformed TLP: FATAL_RCV | FIRST_FATAL at the root, source id = the endpoint, one interrupt", () => {
    const { m, rp, ep, ints } = machine();
    const out = injectAerError(m.topo, ep, { class: "uncorrectable", error: "malformedTlp" });
    const st = rp.configRead(rp.aerCap + PCI_ERR_ROOT_STATUS, 4);
    expect(out.severity).toBe("fatal");
    expect(st & (PCI_ERR_ROOT_FATAL_RCV | PCI_ERR_ROOT_FIRST_FATAL | PCI_ERR_ROOT_UNCOR_RCV)).toBe(0x54);
    expect(rp.configRead(rp.aerCap + PCI_ERR_ROOT_ERR_SRC + 2, 2)).toBe(ep.bdf);
    expect(ints()).toBe(1);
  });

  it("a second error while the first is unhandled sets MULTI and raises no interrupt", () => {
    const { m, rp, ep, vf, ints } = machine();
    injectAerError(m.topo, ep, { class: "uncorrectable", error: "malformedTlp" });
    const second = injectAerError(m.topo, vf, { class: "uncorrectable", error: "completionTimeout" });
    const st = rp.configRead(rp.aerCap + PCI_ERR_ROOT_STATUS, 4);
    expect(st & PCI_ERR_ROOT_MULTI_UNCOR_RCV).toBe(PCI_ERR_ROOT_MULTI_UNCOR_RCV);
    expect(st & PCI_ERR_ROOT_NONFATAL_RCV).toBe(PCI_ERR_ROOT_NONFATAL_RCV);
    expect(rp.configRead(rp.aerCap + PCI_ERR_ROOT_ERR_SRC + 2, 2)).toBe(ep.bdf); // first source kept
    expect(second.interrupt).toBe(false);
    expect(ints()).toBe(1);
    rp.configWrite(rp.aerCap + PCI_ERR_ROOT_STATUS, 4, st); // software clears: the next error interrupts
    injectAerError(m.topo, vf, { class: "uncorrectable", error: "completionTimeout" });
    expect(ints()).toBe(2);
  });

  it("with SERR forwarding off in the switch, the error is contained there", () => {
    const { m, rp, ep, ints } = machine();
    const dp0 = m.find("dp0")!;
    dp0.configWrite(PCI_BRIDGE_CONTROL, 2, 0);
    const out = injectAerError(m.topo, ep, { class: "uncorrectable", error: "malformedTlp" });
    expect(out.containedAt).toBe(dp0);
    expect(dp0.configRead(PCI_SEC_STATUS, 2) & 0x4000).toBe(0x4000); // received system error
    expect(rp.configRead(rp.aerCap + PCI_ERR_ROOT_STATUS, 4)).toBe(0);
    expect(ints()).toBe(0);
  });

  it("logs the first error's pointer and TLP header; a later one does not overwrite them", () => {
    const { m, ep } = machine();
    const a = ep.aerCap;
    injectAerError(
      m.topo,
      ep,
      { class: "uncorrectable", error: "poisonedTlp" },
      [0x4a000001, 0x0100000f, 0xfee00000, 0],
    );
    injectAerError(m.topo, ep, { class: "uncorrectable", error: "malformedTlp" }, [1, 2, 3, 4]);
    expect(ep.configRead(a + PCI_ERR_CAP, 4) & 0x1f).toBe(12);
    expect(ep.configRead(a + PCI_ERR_HEADER_LOG, 4)).toBe(0x4a000001); // byte 0 of the TLP in bits 31..24
    expect(ep.configRead(a + PCI_ERR_UNCOR_STATUS, 4)).toBe(
      PCI_ERR_UNC.poisonedTlp | PCI_ERR_UNC.malformedTlp,
    );
    ep.configWrite(a + PCI_ERR_UNCOR_STATUS, 4, PCI_ERR_UNC.poisonedTlp); // W1C
    expect(ep.configRead(a + PCI_ERR_UNCOR_STATUS, 4)).toBe(PCI_ERR_UNC.malformedTlp);
  });

  it("a masked error sets its status bit (and Device Status) but is neither logged nor signalled", () => {
    const { m, rp, ep, ints } = machine();
    ep.configWrite(ep.aerCap + PCI_ERR_UNCOR_MASK, 4, PCI_ERR_UNC.completionTimeout);
    const out = injectAerError(m.topo, ep, { class: "uncorrectable", error: "completionTimeout" });
    expect(out).toMatchObject({ masked: true, logged: false, sent: false });
    expect(ep.configRead(ep.aerCap + PCI_ERR_UNCOR_STATUS, 4)).toBe(PCI_ERR_UNC.completionTimeout);
    expect(ep.configRead(ep.pcieCap + PCI_EXP_DEVSTA, 2) & 0x2).toBe(0x2);
    expect(rp.configRead(rp.aerCap + PCI_ERR_ROOT_STATUS, 4)).toBe(0);
    expect(ints()).toBe(0);
  });

  it("the severity register decides fatal or non-fatal", () => {
    const { m, ep } = machine();
    ep.configWrite(ep.aerCap + PCI_ERR_UNCOR_SEVER, 4, 0);
    expect(injectAerError(m.topo, ep, { class: "uncorrectable", error: "malformedTlp" }).severity).toBe(
      "nonfatal",
    );
  });

  it("a correctable error reports ERR_COR and never sets uncorrectable bits", () => {
    const { m, rp, ep, ints } = machine();
    const out = injectAerError(m.topo, ep, { class: "correctable", error: "badTlp" });
    expect(out.severity).toBe("correctable");
    expect(ep.configRead(ep.aerCap + PCI_ERR_COR_STATUS, 4)).toBe(0x40);
    expect(rp.configRead(rp.aerCap + PCI_ERR_ROOT_STATUS, 4)).toBe(0x1);
    expect(rp.configRead(rp.aerCap + PCI_ERR_ROOT_ERR_SRC, 2)).toBe(ep.bdf);
    expect(ints()).toBe(1);
  });

  it("without DevCtl enables an uncorrectable error still leaves through Command.SERR, setting Signalled System Error", () => {
    const m = PciMachine.build(
      {
        host: "ioh5520",
        ecamBase: 0xe0000000,
        devices: [{ model: "root-port", device: 1, name: "rp1", child: { model: "nvme", name: "ssd0" } }],
      },
      { os: false },
    );
    const ep = m.find("ssd0")!;
    expect(injectAerError(m.topo, ep, { class: "uncorrectable", error: "completerAbort" }).sent).toBe(false);
    ep.configWrite(PCI_COMMAND, 2, ep.configRead(PCI_COMMAND, 2) | 0x100);
    expect(injectAerError(m.topo, ep, { class: "uncorrectable", error: "completerAbort" }).sent).toBe(true);
    expect(ep.configRead(PCI_STATUS, 2) & 0x4000).toBe(0x4000);
  });
});
