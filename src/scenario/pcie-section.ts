/**
 * The scenario's `pcie` section: a self-contained PCI Express model run on the kernel
 * (src/run/pcie-part.ts). It holds the host's topology, the guests devices are assigned
 * to (plain records for now: name, domain id, memory; they will be the `domains` of the
 * host model later), the hypervisor's AER policy, timing parameters, and timed events.
 *
 *   pcie:
 *     topology: { host: ioh5520, devices: [...] }        # see pci-topology-file.ts
 *     guests: [ { name: guest1, domid: 1, memory: 512MiB } ]
 *     policy: { fatal: take-device }                      # report-to-dom0 | reset-link | take-device
 *     events:
 *       - { at: 1s, type: enable-vfs, pf: nic0, count: 2 }
 *       - { at: 2s, type: attach, device: nic0.vf1, guest: guest1 }
 *       - { at: 10s, type: aer, device: nic0.vf1, error: malformedTlp }
 */
import * as z from "zod";
import { AER_ACTIONS } from "../hw/iommu/aer-policy.js";
import { PCI_ERR_COR, PCI_ERR_UNC } from "../hw/pci/ext-cap-aer.js";
import type { InputIssue, PathSegment } from "./input-issues.js";
import { Address, checkPciTopology, EndpointCard, PciTopology, topologyNames } from "./pci-topology-file.js";
import { Duration, Name, Size } from "./schema-parts.js";

/** Injectable uncorrectable errors (bit 0, "undefined" in PCIe 2.0, is not one). */
const UNC_NAMES = Object.keys(PCI_ERR_UNC).filter((n) => n !== "undefined") as [string, ...string[]];
const COR_NAMES = Object.keys(PCI_ERR_COR) as [string, ...string[]];
const ERROR_NAMES = [...new Set([...UNC_NAMES, ...COR_NAMES])] as [string, ...string[]];

const at = { at: Duration };
export const PcieEvent = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ ...at, type: z.literal("enable-vfs"), pf: Name, count: z.int().min(1).max(7) }),
    z.strictObject({ ...at, type: z.literal("disable-vfs"), pf: Name }),
    z.strictObject({ ...at, type: z.literal("attach"), device: Name, guest: Name }),
    z.strictObject({ ...at, type: z.literal("detach"), device: Name }),
    z.strictObject({
      ...at,
      type: z.literal("aer"),
      device: Name,
      /** Error name as in the AER registers (pcie-aer: malformedTlp, completionTimeout, badTlp...). */
      error: z.enum(ERROR_NAMES),
      class: z.enum(["correctable", "uncorrectable"]).default("uncorrectable"),
    }),
    z.strictObject({
      ...at,
      type: z.literal("dma"),
      device: Name,
      address: Address,
      write: z.boolean().default(true),
    }),
    z.strictObject({ ...at, type: z.literal("insert"), slot: Name, card: EndpointCard }),
    z.strictObject({ ...at, type: z.literal("button"), slot: Name }),
    z.strictObject({ ...at, type: z.literal("surprise-remove"), slot: Name }),
  ],
  {
    error:
      "expected an event type: enable-vfs, disable-vfs, attach, detach, aer, dma, insert, button, surprise-remove",
  },
);
export type PcieEventSpec = z.output<typeof PcieEvent>;

const Action = z.enum(AER_ACTIONS);

export const PcieSection = z.strictObject({
  topology: PciTopology,
  guests: z
    .array(
      z.strictObject({
        name: Name,
        domid: z.int().min(1).max(255),
        memory: Size.default(512 * 2 ** 20),
      }),
    )
    .default([]),
  policy: z
    .strictObject({
      correctable: Action.default("report-to-dom0"),
      nonfatal: Action.default("report-to-dom0"),
      fatal: Action.default("take-device"),
      /** Give a taken device back to its guest once it is healthy. */
      reassign: z.boolean().default(true),
    })
    .default({
      correctable: "report-to-dom0",
      nonfatal: "report-to-dom0",
      fatal: "take-device",
      reassign: true,
    }),
  timing: z
    .strictObject({
      /** Slot command completion. */
      command: Duration.default(1_000_000),
      /** Slot power-on to Data Link Layer Link Active. */
      link_up: Duration.default(100_000_000),
      /** pciehp's attention-button abort window. */
      button_wait: Duration.default(5_000_000_000),
      /** Link up to the first config request. */
      enumerate_delay: Duration.default(100_000_000),
      /** Root port interrupt to Xen's AER handler. */
      handler_latency: Duration.default(50_000),
      flr: Duration.default(100_000_000),
      link_reset: Duration.default(200_000_000),
      vf_enable: Duration.default(100_000_000),
      /** Period of an assigned device's DMA writes into guest memory; 0 = none. */
      dma_period: Duration.default(10_000_000),
    })
    .default({
      command: 1_000_000,
      link_up: 100_000_000,
      button_wait: 5_000_000_000,
      enumerate_delay: 100_000_000,
      handler_latency: 50_000,
      flr: 100_000_000,
      link_reset: 200_000_000,
      vf_enable: 100_000_000,
      dma_period: 10_000_000,
    }),
  events: z.array(PcieEvent).default([]),
});
export type PcieSectionSpec = z.output<typeof PcieSection>;

type At = (p: readonly PathSegment[], message: string, code?: InputIssue["code"]) => void;

/** Cross-field checks: the topology, guest names and ids, event references and times. */
export function checkPcieSection(s: PcieSectionSpec, duration: number, at: At): void {
  checkPciTopology(s.topology, ["pcie", "topology"], at);
  const { functions, slots, pfs } = topologyNames(s.topology);
  const guests = new Set<string>();
  const ids = new Set<number>();
  s.guests.forEach((g, i) => {
    if (guests.has(g.name)) at(["pcie", "guests", i, "name"], `duplicate guest "${g.name}"`);
    if (ids.has(g.domid)) at(["pcie", "guests", i, "domid"], `duplicate domain id ${g.domid}`);
    guests.add(g.name);
    ids.add(g.domid);
  });
  const ref = (set: Set<string>, what: string, v: string, p: PathSegment[]): void => {
    if (!set.has(v))
      at(
        p,
        `no ${what} named "${v}"; ${what}s are ${[...set].slice(0, 12).join(", ") || "none"}`,
        "reference",
      );
  };
  s.events.forEach((e, i) => {
    const p: PathSegment[] = ["pcie", "events", i];
    if (e.at > duration) at([...p, "at"], "expected a time within the scenario's duration");
    if (e.type === "enable-vfs" || e.type === "disable-vfs") ref(pfs, "SR-IOV PF", e.pf, [...p, "pf"]);
    if (e.type === "attach" || e.type === "detach" || e.type === "aer" || e.type === "dma")
      ref(functions, "PCI function", e.device, [...p, "device"]);
    if (e.type === "attach") ref(guests, "guest", e.guest, [...p, "guest"]);
    if (e.type === "insert" || e.type === "button" || e.type === "surprise-remove")
      ref(slots, "hot-plug slot", e.slot, [...p, "slot"]);
    if (e.type === "aer") {
      const names = e.class === "uncorrectable" ? UNC_NAMES : COR_NAMES;
      if (!names.includes(e.error))
        at([...p, "error"], `"${e.error}" is not a ${e.class} error; expected one of ${names.join(", ")}`);
    }
  });
}
