import { describe, expect, it } from "vitest";
import { Kernel } from "../../kernel/kernel.js";
import { PCI_EXP_SLTCTL, PCI_EXP_SLTCTL_HPIE, PCI_EXP_SLTSTA, PCI_EXP_SLTSTA_PDC } from "./cap-pcie.js";
import { makeNvme } from "./dev-nvme.js";
import { makeRootPort } from "./dev-root-port.js";
import { assignBusNumbers } from "./pci-firmware.js";
import { PciFunction } from "./pci-function.js";
import { PciTopology } from "./pci-topology.js";
import { PcieSlot, type SlotEffects, type SlotStyle } from "./pcie-slot.js";
import { Pciehp } from "./pciehp.js";

/** A root port with a hot-plug slot, its pciehp, and a trace of (ms, event, detail). */
function rig(style: SlotStyle = "hardware", withDriver = true) {
  const k = new Kernel(1);
  const trace: [number, string, string][] = [];
  const fx: SlotEffects = {
    after: (d, fn) => {
      k.at(d, () => fn());
    },
    trace: (_s, event, detail) => trace.push([k.now / 1e6, event, detail ?? ""]),
  };
  const topo = new PciTopology();
  topo.attach(
    topo.root,
    0,
    new PciFunction(
      "hb",
      "host-bridge",
      256,
      { vendor: 0x8086, device: 0x3406, revision: 0, classCode: 0x060000, headerType: 0 },
      "hb",
    ),
  );
  const port = makeRootPort({ portNumber: 1, slot: 1, hotplug: true });
  topo.attach(topo.root, 8, port);
  assignBusNumbers(topo);
  const slot = new PcieSlot(port, topo, fx, style);
  const ready: string[] = [];
  const hp = new Pciehp(slot, topo, fx, {
    deviceReady: (_s, f) => ready.push(f.model),
    deviceGone: () => ready.push("gone"),
  });
  port.signal = () => hp.interrupt();
  if (withDriver) hp.init();
  k.run(10_000_000);
  trace.length = 0;
  const card = () => ({ functions: [{ fn: 0, function: makeNvme() }] });
  return { k, trace, topo, port, slot, hp, ready, card };
}

const events = (t: [number, string, string][]) =>
  t.map(([ms, e, d]) => `${ms} ${e}${e === "status" || e === "driver" ? ` ${d.split(":")[0]}` : ""}`);

describe("native hot-plug: a real slot (attention button, power controller)", () => {
  it("insertion: PDC, button, blink, power on, link up (DLLSC), enumeration, in that order", () => {
    const r = rig();
    r.k.atTime(1e9, () => r.slot.insert(r.card()));
    r.k.atTime(2e9, () => r.slot.pressAttentionButton());
    r.k.run(10e9);
    expect(events(r.trace)).toEqual([
      "1000 presence-detect",
      "1000 status PDC",
      "1000 interrupt",
      "2000 status ABP",
      "2000 interrupt",
      "2000 driver button",
      "2001 status CC",
      "2001 interrupt",
      "7000 power-on",
      "7001 status CC",
      "7001 interrupt",
      "7100 status DLLSC (link up)",
      "7100 interrupt",
      "7200 driver enumerated 01",
    ]);
    expect(r.ready).toEqual(["nvme-p3700"]);
    expect(r.topo.route(0x100)?.model).toBe("nvme-p3700");
  });

  it("surprise removal: PDS and DLLLA drop together and one interrupt fires; the driver powers the slot off", () => {
    const r = rig();
    r.slot.populateAtBoot(r.card());
    r.hp.init();
    r.k.run(20_000_000);
    r.trace.length = 0;
    const before = r.slot.interrupts;
    r.k.atTime(1e9, () => r.slot.surpriseRemove());
    r.k.run(2e9);
    expect(events(r.trace).slice(0, 4)).toEqual([
      "1000 status PDC+DLLSC (surprise)",
      "1000 interrupt",
      "1000 driver device removed",
      "1000 power-off",
    ]);
    expect(r.slot.interrupts - before).toBe(2); // the removal, then the power-off command's completion
    expect(r.ready).toEqual(["gone"]);
    expect(r.topo.route(0x100)).toBeNull();
  });

  it("orderly removal: button, 5 s, power off takes the link down, then the card is pulled", () => {
    const r = rig();
    r.slot.populateAtBoot(r.card());
    r.hp.init();
    r.k.run(20_000_000);
    r.trace.length = 0;
    r.k.atTime(1e9, () => r.slot.pressAttentionButton());
    r.k.atTime(8e9, () => r.slot.remove());
    r.k.run(9e9);
    expect(events(r.trace).filter((e) => !e.endsWith("interrupt"))).toEqual([
      "1000 status ABP",
      "1000 driver button",
      "1001 status CC",
      "6000 power-off",
      "6000 status DLLSC (link down)",
      "6000 driver device removed",
      "6001 status CC",
      "8000 status PDC",
    ]);
  });

  it("raises nothing while Hot-Plug Interrupt Enable is clear, and fires on the next 0 -> 1 edge once set", () => {
    const r = rig("hardware", false);
    r.slot.insert(r.card());
    expect(r.slot.interrupts).toBe(0);
    const at = r.port.pcieCap;
    r.port.configWrite(
      at + PCI_EXP_SLTCTL,
      2,
      r.port.cfg.get16(at + PCI_EXP_SLTCTL) | PCI_EXP_SLTCTL_HPIE | 0x8,
    );
    expect(r.slot.interrupts).toBe(1); // PDC was pending and PDCE+HPIE make the condition true
    r.slot.pressAttentionButton(); // ABPE is clear: the condition is already true, no new edge
    expect(r.slot.interrupts).toBe(1);
    r.port.configWrite(at + PCI_EXP_SLTSTA, 2, PCI_EXP_SLTSTA_PDC);
    expect(r.slot.interrupts).toBe(1);
  });

  it("every Slot Control write is a command that completes with CC", () => {
    const r = rig("hardware", false);
    const at = r.port.pcieCap;
    r.port.configWrite(at + PCI_EXP_SLTCTL, 2, r.port.cfg.get16(at + PCI_EXP_SLTCTL));
    expect(r.slot.status & 0x10).toBe(0);
    r.k.run(r.k.now + 1_000_000);
    expect(r.slot.status & 0x10).toBe(0x10);
    expect(r.slot.commands).toBe(1);
  });
});

describe("native hot-plug: QEMU's emulated slot", () => {
  it("hot-add sets PDS and DLLLA and raises PDC and ABP together; the guest enumerates after its 5 s button wait", () => {
    const r = rig("qemu");
    r.k.atTime(1e9, () => r.slot.insert(r.card()));
    r.k.run(8e9);
    expect(events(r.trace).slice(0, 5)).toEqual([
      "1000 presence-detect",
      "1000 link-up",
      "1000 status PDC+ABP (QEMU hot-add)",
      "1000 interrupt",
      "1000 driver button",
    ]);
    expect(events(r.trace).at(-1)).toBe("6100 driver enumerated 01");
  });

  it("the guest's power-off request removes the device", () => {
    const r = rig("qemu");
    r.slot.insert(r.card());
    r.k.run(7e9);
    r.slot.pressAttentionButton();
    r.k.run(13e9);
    expect(r.ready).toEqual(["nvme-p3700", "gone"]);
    expect(r.slot.card).toBeNull();
    expect(r.port.configRead(r.port.pcieCap + PCI_EXP_SLTSTA, 2) & 0x40).toBe(0);
  });
});

describe("slot persistence", () => {
  it("save/restore keeps the interrupt condition, so a restored slot raises no spurious edge", () => {
    const r = rig("hardware", false);
    r.slot.insert(r.card());
    const at = r.port.pcieCap;
    r.port.configWrite(
      at + PCI_EXP_SLTCTL,
      2,
      r.port.cfg.get16(at + PCI_EXP_SLTCTL) | PCI_EXP_SLTCTL_HPIE | 0x8,
    );
    const state = JSON.parse(JSON.stringify(r.slot.save()));
    const again = new PcieSlot(r.port, r.topo, { after: () => {}, trace: () => {} });
    again.restore(state);
    expect(again.interrupts).toBe(1);
    again.pressAttentionButton(); // condition already true: no new edge
    expect(again.interrupts).toBe(1);
  });
});
