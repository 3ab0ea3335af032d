/**
 * `xenlab pci dump` and `xenlab pci decode`: the PCI configuration-space interface.
 *  - dump builds the hierarchy a topology file (or a scenario's `pcie` section) describes,
 *    boots it (firmware, then the OS's ARI, AER and VF setup) and prints every function's
 *    4 KiB config space as `lspci -xxxx` prints it, so `lspci -F <dump> -vvv` reads it;
 *  - decode reads real config space (a sysfs `config` file, or an lspci -x/-xxx/-xxxx
 *    dump) and prints the header and capabilities in lspci's words, or JSON.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { formatBdf } from "../hw/pci/bdf.js";
import { decodeConfig, renderDecoded } from "../hw/pci/config-decode.js";
import { PCI_SRIOV_VF_DID } from "../hw/pci/ext-cap-sriov.js";
import { formatLspciDump, PciDecodeError, parseLspciDump } from "../hw/pci/lspci-dump.js";
import { PciMachine } from "../hw/pci/pci-machine.js";
import type { PciMachineSpec } from "../hw/pci/pci-machine-spec.js";
import { InputError } from "../scenario/input-issues.js";
import { loadScenarioFile } from "../scenario/load-scenario.js";
import { loadPciTopologyFile, toMachineSpec } from "../scenario/pci-topology-file.js";
import { UsageError } from "./exit-codes.js";

interface DumpFlags {
  out?: string;
  mcfg?: string;
  vfIds: string;
}

export function registerPciCommand(program: Command): void {
  const pci = program
    .command("pci")
    .description("PCI Express configuration space: dump a modelled topology, decode real config space")
    .addHelpText(
      "after",
      `
Examples:
  $ xenlab pci dump scenarios/pcie/topology.yaml > dump.txt && lspci -F dump.txt -vvv
  $ xenlab pci decode /sys/bus/pci/devices/0000:00:03.0/config`,
    );
  pci
    .command("dump")
    .description("print a topology's config spaces in the format of lspci -xxxx")
    .argument("<file>", "a PCI topology file, or a scenario with a pcie section")
    .option("-o, --out <file>", "write the dump to a file instead of stdout")
    .option("--mcfg <file>", "also write the ACPI MCFG table describing the ECAM window")
    .option(
      "--vf-ids <how>",
      'VF vendor/device ids: "raw" (0xffff, as config space holds them) or "sysfs" (the PF\'s, as Linux reports them)',
      "raw",
    )
    .addHelpText(
      "after",
      `
The dump is what the booted machine's config space holds: firmware has numbered the buses
and assigned BARs and windows, the OS has enabled ARI forwarding, AER reporting and the
VFs the topology asks for. VFs read vendor/device 0xffff in config space (SR-IOV 1.1
§3.4.1.1); --vf-ids sysfs patches in the PF's ids as Linux's sysfs shows them.

Examples:
  $ xenlab pci dump scenarios/pcie/topology.yaml -o /tmp/dump.txt
  $ lspci -F /tmp/dump.txt -vvv
  $ xenlab pci dump scenarios/pcie/vf-hotplug-aer.yaml --mcfg /tmp/mcfg.dat`,
    )
    .action((file: string, flags: DumpFlags) => dumpAction(file, flags));
  pci
    .command("decode")
    .description("decode a config space: a sysfs config file or an lspci hex dump")
    .argument("<file...>", "sysfs config files or lspci -x/-xxx/-xxxx dumps")
    .option("--json", "print JSON instead of lspci-style text")
    .addHelpText(
      "after",
      `
A sysfs config file read without root holds 64 bytes (the header): capabilities beyond it
are noted, not guessed. Malformed input (too short, a capability pointer into the header
or past the end, a capability chain that loops) is reported with exit code 2.

Examples:
  $ xenlab pci decode /sys/bus/pci/devices/0000:00:03.0/config
  $ lspci -xxxx > all.txt && xenlab pci decode all.txt --json`,
    )
    .action((files: string[], flags: { json?: boolean }) => decodeAction(files, flags.json === true));
}

/** A topology file, or a scenario's pcie.topology. */
export function loadMachineSpec(file: string): PciMachineSpec {
  let top: unknown;
  try {
    top = parseYaml(readFileSync(file, "utf8"));
  } catch {
    top = null; // the loaders below report read and syntax errors with positions
  }
  if (top !== null && typeof top === "object" && "pcie" in top) {
    const spec = loadScenarioFile(file);
    if (spec.pcie === null) throw new UsageError(`${file}: the scenario has no pcie section`);
    return toMachineSpec(spec.pcie.topology);
  }
  if (top !== null && typeof top === "object" && "duration" in top)
    throw new UsageError(`${file}: a scenario without a pcie section has no PCI topology to dump`);
  return loadPciTopologyFile(file);
}

function dumpAction(file: string, flags: DumpFlags): void {
  if (flags.vfIds !== "raw" && flags.vfIds !== "sysfs")
    throw new UsageError(`--vf-ids: expected raw or sysfs, got "${flags.vfIds}"`);
  const m = PciMachine.build(loadMachineSpec(file));
  const entries = m.topo.all().map((f) => {
    const bytes = f.cfg.data.slice();
    const pf = f.ext.vfOf?.pf;
    if (flags.vfIds === "sysfs" && pf !== undefined) {
      bytes[0] = pf.cfg.get8(0);
      bytes[1] = pf.cfg.get8(1);
      const did = pf.cfg.get16((pf.ext.sriovCap ?? 0) + PCI_SRIOV_VF_DID);
      bytes[2] = did & 0xff;
      bytes[3] = did >> 8;
    }
    return { bdf: f.bdf, description: f.description, bytes };
  });
  const text = formatLspciDump(entries);
  if (flags.out) writeFileSync(flags.out, text);
  else process.stdout.write(text);
  if (flags.mcfg) writeFileSync(flags.mcfg, m.mcfg());
}

function decodeAction(files: string[], json: boolean): void {
  const out: unknown[] = [];
  let text = "";
  for (const file of files) {
    for (const { slot, bytes, line, fromPath } of readConfigs(file)) {
      let d: ReturnType<typeof decodeConfig>;
      try {
        d = decodeConfig(bytes);
      } catch (e) {
        if (e instanceof PciDecodeError)
          throw inputError(file, line, fromPath ? `${slot}: ${e.message}` : e.message);
        throw e;
      }
      if (json) out.push({ file, slot, ...d });
      else text += `${renderDecoded(slot, d)}\n`;
    }
  }
  process.stdout.write(json ? `${JSON.stringify(out, null, 2)}\n` : text);
}

function inputError(file: string, line: number, message: string): InputError {
  return new InputError([{ code: "value", file, line, column: line > 0 ? 1 : 0, path: [], message }]);
}

/** The config spaces in a file: one (a binary sysfs config) or several (an lspci dump). */
function readConfigs(file: string): { slot: string; bytes: Uint8Array; line: number; fromPath: boolean }[] {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    throw inputError(file, 0, `cannot read config space: ${reason}`);
  }
  const head = buf.subarray(0, 16).toString("latin1");
  if (/^(?:[0-9a-fA-F]{4,5}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]/.test(head)) {
    let entries: ReturnType<typeof parseLspciDump>;
    try {
      entries = parseLspciDump(buf.toString("utf8"));
    } catch (e) {
      if (e instanceof PciDecodeError)
        throw new InputError([
          { code: "syntax", file, line: e.line, column: e.column, path: [], message: e.message },
        ]);
      throw e;
    }
    if (entries.length === 0) throw inputError(file, 0, "no devices in the lspci dump");
    return entries.map((e) => ({ slot: e.slot, bytes: e.bytes, line: e.line, fromPath: true }));
  }
  const m = /([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])/.exec(file);
  // A sysfs path names the function; any other file is shown as 00:00.0.
  const slot = m ? `${m[2]}:${m[3]}.${m[4]}` : formatBdf(0 as never);
  return [{ slot, bytes: new Uint8Array(buf), line: 0, fromPath: m !== null }];
}
