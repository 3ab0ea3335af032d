/**
 * Every `xenlab` subcommand, with a one-line summary and a loader. Only the command being
 * run is imported (with its models, zod schemas and report code); `xenlab --help` lists
 * the summaries without loading anything. This keeps each CLI start near Node's own start
 * time, which the many CLI tests and scripts that call xenlab feel directly.
 *
 * Features add one entry each.
 */
import type { Command } from "commander";

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<(program: Command) => void>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "run",
    summary: "simulate a scenario and write its results and report",
    load: async () => (await import("./run-command.js")).registerRunCommand,
  },
  {
    name: "validate",
    summary: "check scenario files and report every problem, without running them",
    load: async () => (await import("./validate-command.js")).registerValidateCommand,
  },
  {
    name: "schema",
    summary: "print the scenario file format (or the results.json format) as JSON Schema",
    load: async () => (await import("./schema-command.js")).registerSchemaCommand,
  },
  {
    name: "trace",
    summary: "read XenTrace files (xenlab's or real Xen's)",
    load: async () => (await import("./trace-command.js")).registerTraceCommand,
  },
  {
    name: "xenstored",
    summary: "run the xenstore daemon on a Unix socket for Xen's xenstore tools",
    load: async () => (await import("./xenstored-command.js")).registerXenstoredCommand,
  },
  {
    name: "pci",
    summary: "PCI Express configuration space: dump a modelled topology, decode real config space",
    load: async () => (await import("./pci-command.js")).registerPciCommand,
  },
  {
    name: "plan",
    summary: "plan a server consolidation: hosts needed, servers, power and utilisation saved",
    load: async () => (await import("./plan-command.js")).registerPlanCommand,
  },
  {
    name: "images",
    summary: "a store of VM disk images: reflink or qcow2-overlay clones, snapshots, usage",
    load: async () => (await import("./images-command.js")).registerImagesCommand,
  },
  {
    name: "consolidation",
    summary: "dynamic VM consolidation experiments on the fluid data-centre tier",
    load: async () => (await import("./consolidation-command.js")).registerConsolidationCommand,
  },
  {
    name: "planetlab",
    summary: "the PlanetLab CPU traces (Beloglazov and Buyya's workload)",
    load: async () => (await import("./planetlab-command.js")).registerPlanetLabCommand,
  },
];
