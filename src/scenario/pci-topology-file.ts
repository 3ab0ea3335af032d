/**
 * The PCI topology format: a YAML (or JSON) description of a PCI Express hierarchy, read
 * by `xenlab pci dump` and embedded in scenarios as `pcie.topology`. It is checked with a
 * zod schema (field errors with file:line:column), then across fields (unique device
 * numbers and names, hot-plug needs a slot, the IGD needs the GM45 host at 00:02.0) and
 * turned into the plain PciMachineSpec that src/hw/pci/pci-machine.ts builds.
 *
 *   host: ioh5520                  # or gm45 (the IGD laptop)
 *   ecam_base: 0xe0000000
 *   devices:
 *     - { model: root-port, device: 1, name: rp1, slot: 1, hotplug: true,
 *         child: { model: igb-82576, name: nic0, vfs: 2 } }
 *     - { model: root-port, device: 3, name: rp3,
 *         child: { model: switch, name: sw0, ports: [ { name: dp0, slot: 4, hotplug: true } ] } }
 */
import * as z from "zod";
import { IGB_82576 } from "../hw/pci/dev-igb-82576.js";
import { MMIO_BASE, MMIO_LIMIT } from "../hw/pci/pci-firmware.js";
import {
  DEFAULT_ECAM_BASE,
  HOST_MODELS,
  type PciMachineSpec,
  type RootDeviceSpec,
} from "../hw/pci/pci-machine-spec.js";
import { SLOT_STYLES } from "../hw/pci/pcie-slot.js";
import type { InputIssue, PathSegment } from "./input-issues.js";
import { InputError } from "./input-issues.js";
import type { JsonSchema } from "./json-schema.js";
import { byPosition, type Loaded, parseWithSchema, readInputFile } from "./load-yaml.js";
import { Name } from "./schema-parts.js";

const DeviceNumber = z
  .int({ error: "expected a device number 0..31" })
  .min(0)
  .max(31, { error: "expected a device number 0..31" });
const SlotNumber = z.int({ error: "expected a physical slot number 0..8191" }).min(0).max(8191);

/** An address: a number or a hex string like "0xe0000000". */
export const Address = z.union(
  [
    z
      .int()
      .min(0)
      .max(2 ** 52),
    z
      .string()
      .regex(/^0x[0-9a-fA-F]{1,13}$/)
      .transform((s) => Number.parseInt(s, 16)),
  ],
  { error: 'expected an address: a number or hex like "0xe0000000"' },
);

const Igb = z.strictObject({
  model: z.literal("igb-82576"),
  name: Name,
  /** VFs the OS enables on each PF at boot (igb allows up to 7 per port). */
  vfs: z
    .int()
    .min(0)
    .max(IGB_82576.driverMaxVfs, { error: `expected at most ${IGB_82576.driverMaxVfs} VFs (igb's max_vfs)` })
    .optional(),
});
const Nvme = z.strictObject({ model: z.literal("nvme"), name: Name });
export const EndpointCard = z.discriminatedUnion("model", [Igb, Nvme], {
  error: "expected a card: igb-82576 or nvme",
});

const portFields = {
  name: Name,
  slot: SlotNumber.optional(),
  hotplug: z.boolean().optional(),
  style: z.enum(SLOT_STYLES).optional(),
};
const SwitchPort = z.strictObject({ ...portFields, child: EndpointCard.optional() });
const Switch = z.strictObject({
  model: z.literal("switch"),
  name: Name,
  ports: z.array(SwitchPort).min(1).max(32),
});
const RootPort = z.strictObject({
  model: z.literal("root-port"),
  device: DeviceNumber,
  ...portFields,
  child: z
    .discriminatedUnion("model", [Igb, Nvme, Switch], { error: "expected igb-82576, nvme or switch" })
    .optional(),
});

const RootDevice = z.discriminatedUnion(
  "model",
  [
    RootPort,
    z.strictObject({ model: z.literal("igd"), device: DeviceNumber.default(2), name: Name.default("igd") }),
    z.strictObject({ model: z.literal("lpc"), device: DeviceNumber.default(31), name: Name.default("lpc") }),
    Igb.extend({ device: DeviceNumber }),
    Nvme.extend({ device: DeviceNumber }),
  ],
  { error: "expected a device: root-port, igd, lpc, igb-82576 or nvme" },
);

export const PciTopology = z.strictObject({
  host: z.enum(HOST_MODELS).default("ioh5520"),
  /** ECAM (MMCONFIG) window base, 1 MiB aligned, outside the PCI memory window. */
  ecam_base: Address.default(DEFAULT_ECAM_BASE),
  devices: z.array(RootDevice).min(1, { error: "expected at least one device" }),
});
export type PciTopologyParsed = z.output<typeof PciTopology>;

export function pciTopologyJsonSchema(): JsonSchema {
  return z.toJSONSchema(PciTopology, { io: "input" }) as JsonSchema;
}

type At = (p: readonly PathSegment[], message: string, code?: InputIssue["code"]) => void;

/** Cross-field checks; `base` is where the topology sits in its file. */
export function checkPciTopology(t: PciTopologyParsed, base: readonly PathSegment[], at: At): void {
  const names = new Map<string, string>();
  const name = (n: string, path: PathSegment[]): void => {
    if (names.has(n)) at([...base, ...path, "name"], `duplicate PCI name "${n}" (also ${names.get(n)})`);
    names.set(n, path.join("."));
  };
  const card = (c: { model: string; name: string }, path: PathSegment[]): void => {
    name(c.name, path);
    if (c.model === "igb-82576") {
      name(`${c.name}.1`, path);
      for (let i = 1; i <= IGB_82576.totalVfs; i++) names.set(`${c.name}.vf${i}`, path.join("."));
    }
  };
  if (t.ecam_base % 2 ** 20 !== 0) at([...base, "ecam_base"], "expected a 1 MiB aligned ECAM base");
  if (t.ecam_base < MMIO_LIMIT && t.ecam_base + 256 * 2 ** 20 > MMIO_BASE)
    at(
      [...base, "ecam_base"],
      `the ECAM window overlaps the PCI memory window 0x${MMIO_BASE.toString(16)}-0x${MMIO_LIMIT.toString(16)}`,
    );
  const used = new Map<number, number>();
  t.devices.forEach((d, i) => {
    const p: PathSegment[] = ["devices", i];
    if (d.device === 0) at([...base, ...p, "device"], "device 0 is the host bridge");
    if (used.has(d.device))
      at([...base, ...p, "device"], `device ${d.device} is already used by devices[${used.get(d.device)}]`);
    used.set(d.device, i);
    if (d.model === "igd") {
      if (t.host !== "gm45")
        at([...base, ...p, "model"], "the IGD needs host: gm45 (its memory controller hub)");
      if (d.device !== 2) at([...base, ...p, "device"], "the IGD sits at 00:02.0 (drivers expect it there)");
    }
    if (d.model === "root-port") {
      name(d.name, p);
      if (d.hotplug && d.slot === undefined)
        at([...base, ...p, "hotplug"], "a hot-plug port needs a slot number");
      const c = d.child;
      if (c?.model === "switch") {
        if (d.hotplug) at([...base, ...p, "child"], "a switch behind a hot-plug slot is not supported");
        name(c.name, [...p, "child"]);
        c.ports.forEach((sp, j) => {
          const pp: PathSegment[] = [...p, "child", "ports", j];
          name(sp.name, pp);
          if (sp.hotplug && sp.slot === undefined)
            at([...base, ...pp, "hotplug"], "a hot-plug port needs a slot number");
          if (sp.child) card(sp.child, [...pp, "child"]);
        });
      } else if (c) card(c, [...p, "child"]);
    } else card(d, p);
  });
}

/** The plain spec the hardware model builds. */
export function toMachineSpec(t: PciTopologyParsed): PciMachineSpec {
  return { host: t.host, ecamBase: t.ecam_base, devices: t.devices as RootDeviceSpec[] };
}

/** Names a topology defines (functions, ports, VF names), for scenario references. */
export function topologyNames(t: PciTopologyParsed): {
  functions: Set<string>;
  slots: Set<string>;
  pfs: Set<string>;
} {
  const functions = new Set<string>(["host"]);
  const slots = new Set<string>();
  const pfs = new Set<string>();
  const card = (c: { model: string; name: string }): void => {
    functions.add(c.name);
    if (c.model === "igb-82576") {
      for (const pf of [c.name, `${c.name}.1`]) {
        functions.add(pf);
        pfs.add(pf);
        for (let i = 1; i <= IGB_82576.totalVfs; i++) functions.add(`${pf}.vf${i}`);
      }
    }
  };
  const port = (p: { name: string; hotplug?: boolean; slot?: number }): void => {
    functions.add(p.name);
    if (p.hotplug && p.slot !== undefined) slots.add(p.name);
  };
  for (const d of t.devices) {
    if (d.model === "root-port") {
      port(d);
      if (d.child?.model === "switch") {
        functions.add(d.child.name);
        for (const sp of d.child.ports) {
          port(sp);
          if (sp.child) card(sp.child);
        }
      } else if (d.child) card(d.child);
    } else card(d);
  }
  return { functions, slots, pfs };
}

/** Reads and checks a topology file; throws InputError listing every problem. */
export function loadPciTopologyFile(file: string): PciMachineSpec {
  return loadPciTopologyText(readInputFile(file, "PCI topology"), file);
}

export function loadPciTopologyText(text: string, file: string): PciMachineSpec {
  const loaded: Loaded<PciTopologyParsed> = parseWithSchema(
    file,
    text,
    PciTopology,
    pciTopologyJsonSchema,
    "PCI topology",
  );
  const found: InputIssue[] = [];
  checkPciTopology(loaded.value, [], (p, m, c) => found.push(loaded.issue(p, m, c)));
  if (found.length > 0) throw new InputError(byPosition(found));
  return toMachineSpec(loaded.value);
}
