/**
 * `xenlab xenstored --socket PATH [--state FILE]`: the xenstore daemon on a Unix socket,
 * for Xen's own xenstore-* tools (point them at it with XENSTORED_PATH=PATH).
 */
import type { Command } from "commander";
import { createDomainLikeXl, writeDom0Entries } from "../xen/xenstore/libxl-domain.js";
import { Xenstored } from "../xen/xenstore/xenstored.js";
import { QUOTA_PARAMS, quotaParamByName, type XsQuotas } from "../xen/xenstore/xs-quota.js";
import { type XsListenSpec, XsSocketServer } from "../xen/xenstore/xs-socket-server.js";
import { XsStateError, XsStateFile } from "../xen/xenstore/xs-state-file.js";
import { UsageError } from "./exit-codes.js";

interface XenstoredFlags {
  socket: string;
  state?: string;
  recover?: boolean;
  guestSocket: string[];
  domain: string[];
  quota: string[];
  entryNb?: string;
  entrySize?: string;
  watchNb?: string;
  transaction?: string;
  permNb?: string;
  pathMax?: string;
  demo?: boolean;
  quiet?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function registerXenstoredCommand(program: Command): void {
  const quotaHelp = QUOTA_PARAMS.map(
    (p) =>
      `  ${p.name.padEnd(18)} ${String(p.default).padStart(5)} ${p.unit.padEnd(12)} ${p.help} (xenstored ${p.xenOption})`,
  ).join("\n");
  program
    .command("xenstored")
    .description("run the xenstore daemon on a Unix socket for Xen's xenstore tools")
    .requiredOption("--socket <path>", "the dom0 socket (clients connect as dom0, as to xenstored's socket)")
    .option(
      "--state <file>",
      "keep the tree in FILE (+ FILE.wal): it survives a restart; a change is durable before it is acknowledged",
    )
    .option(
      "--recover",
      "with --state: cut off an incomplete last log record left by a crash (a copy is kept)",
    )
    .option(
      "--guest-socket <domid:path>",
      "also listen on PATH as domain DOMID's ring (permission checks and quotas apply); repeatable",
      collect,
      [],
    )
    .option(
      "--domain <domid>",
      "treat DOMID as an existing domain (permissions may name it); repeatable",
      collect,
      [],
    )
    .option("--quota <name=value>", "set a quota (see below); repeatable; 0 disables it", collect, [])
    .option("-E, --entry-nb <n>", "nodes a domain may own")
    .option("-S, --entry-size <n>", "largest node in bytes")
    .option("-W, --watch-nb <n>", "watches per domain")
    .option("-t, --transaction <n>", "open transactions per domain")
    .option("-A, --perm-nb <n>", "permission entries per node")
    .option("-M, --path-max <n>", "longest path below /local/domain/<id>/")
    .option("--demo", "start with dom0 and two guests (vif, vbd, vusb, console) written as xl would")
    .option("--quiet", "print nothing but errors")
    .addHelpText(
      "after",
      `
Quotas (bind guest domains only; dom0 and sockets are exempt, as in xenstored):
${quotaHelp}

Runs in the foreground until SIGINT or SIGTERM, then closes cleanly (with --state, the
log is folded into the snapshot). Xen's tools find the daemon through XENSTORED_PATH.
A corrupt state file is reported with the byte offset and left untouched (exit 2).

Examples:
  $ xenlab xenstored --socket /tmp/xs.sock --demo &
  $ export XENSTORED_PATH=/tmp/xs.sock
  $ xenstore-ls -f /local/domain/1
  $ xenstore-write /local/domain/1/data/greeting hello && xenstore-read /local/domain/1/data/greeting
  $ xenlab xenstored --socket /tmp/xs.sock --state /var/tmp/xs.state --guest-socket 1:/tmp/xs-dom1.sock --domain 1`,
    )
    .action((flags: XenstoredFlags) => runXenstored(flags));
}

function wholeNumber(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw new UsageError(`${flag}: expected a whole number >= 0, got "${v}"`);
  }
  return Number(v);
}

function parseQuotas(flags: XenstoredFlags): Partial<XsQuotas> {
  const q: Partial<XsQuotas> = {};
  const direct: Array<[keyof XenstoredFlags, keyof XsQuotas, string]> = [
    ["entryNb", "nodes", "--entry-nb"],
    ["entrySize", "nodeSize", "--entry-size"],
    ["watchNb", "watches", "--watch-nb"],
    ["transaction", "transactions", "--transaction"],
    ["permNb", "permissions", "--perm-nb"],
    ["pathMax", "pathMax", "--path-max"],
  ];
  for (const [flag, key, name] of direct) {
    const v = flags[flag];
    if (typeof v === "string") q[key] = wholeNumber(name, v);
  }
  for (const item of flags.quota) {
    const m = /^([a-z-]+)=(.*)$/.exec(item);
    const p = m ? quotaParamByName(m[1]) : undefined;
    if (!m || !p) {
      throw new UsageError(
        `--quota: expected NAME=VALUE with NAME one of ${QUOTA_PARAMS.map((x) => x.name).join(", ")}, got "${item}"`,
      );
    }
    q[p.key] = wholeNumber(`--quota ${p.name}`, m[2]);
  }
  if (q.pathMax !== undefined && q.pathMax > 2048)
    throw new UsageError(`--path-max: at most 2048, got ${q.pathMax}`);
  return q;
}

function parseGuestSockets(items: readonly string[]): XsListenSpec[] {
  return items.map((item) => {
    const m = /^(\d+):(.+)$/.exec(item);
    if (!m) throw new UsageError(`--guest-socket: expected DOMID:PATH, got "${item}"`);
    const domid = wholeNumber("--guest-socket", m[1]);
    if (domid === 0 || domid >= 0x7ff0)
      throw new UsageError(`--guest-socket: domid must be 1..32751, got ${domid}`);
    return { path: m[2], domid };
  });
}

async function runXenstored(flags: XenstoredFlags): Promise<void> {
  const quotas = parseQuotas(flags);
  const guests = parseGuestSockets(flags.guestSocket);
  const domains = [
    ...flags.domain.map((d) => wholeNumber("--domain", d)),
    ...guests.map((g) => g.domid ?? 0),
  ];
  if (flags.recover && !flags.state) throw new UsageError("--recover needs --state");
  const say = (s: string): void => {
    if (!flags.quiet) process.stderr.write(`xenstored: ${s}\n`);
  };

  const xs = new Xenstored({ quotas, domains });
  let state: XsStateFile | undefined;
  if (flags.state) {
    state = new XsStateFile(flags.state, { recover: flags.recover });
    try {
      const r = state.open(xs);
      say(`state ${flags.state}: ${r.nodes} nodes (${r.walBatches} logged batches replayed)`);
      if (r.recovered)
        say(
          `cut an incomplete log record at byte ${r.recovered.offset}; the old log is kept as ${r.recovered.copy}`,
        );
    } catch (e) {
      // A damaged state file is bad input: exit code 2, the message names file and offset.
      if (e instanceof XsStateError) throw new UsageError(e.message);
      throw e;
    }
  }
  if (flags.demo) populateDemo(xs);
  // A guest socket speaks for an introduced domain (it stands in for the domain's ring).
  for (const g of guests) xs.domains.create(g.domid ?? 0).introduced = true;

  let fatal: Error | undefined;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const server = new XsSocketServer(xs, {
    onProtocolError: (path, reason) => say(`dropped a client on ${path}: ${reason}`),
    onFatal: (err) => {
      fatal = err;
      stop();
    },
  });
  await server.listen([{ path: flags.socket, domid: 0 }, ...guests]);
  say(`listening on ${flags.socket} (dom0)${guests.map((g) => `, ${g.path} (dom${g.domid})`).join("")}`);
  say(`point Xen's tools at it: export XENSTORED_PATH=${flags.socket}`);

  const onSignal = (): void => stop();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  await stopped;
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  await server.close();
  if (fatal)
    throw new Error(`cannot make changes durable, stopped without acknowledging them: ${fatal.message}`);
  state?.close(xs);
  say("stopped");
}

/** dom0 plus two guests as `xl create` would leave them (deterministic values). */
function populateDemo(xs: Xenstored): void {
  const c = xs.connect(0);
  const fail = (what: string, e: string | undefined): void => {
    if (e) throw new Error(`--demo: ${what} failed: ${e}`);
  };
  fail("dom0 entries", writeDom0Entries(c));
  const guests = [
    { domid: 1, name: "web", uuid: "3f1c2a4e-8d6b-4c2a-9e11-0a7b5c3d2e01", mac: "00:16:3e:2a:00:01" },
    { domid: 2, name: "db", uuid: "9b7e5d3c-1a2f-4e6d-8c4b-2f1e0d9c8b02", mac: "00:16:3e:2a:00:02" },
  ];
  for (const g of guests) {
    xs.domainCreated(g.domid);
    fail(
      `domain ${g.name}`,
      createDomainLikeXl(c, {
        domid: g.domid,
        name: g.name,
        uuid: g.uuid,
        vcpus: 2,
        memoryKiB: 524288,
        storePort: 1,
        storeMfn: 1048576 + g.domid,
        kernel: "/boot/vmlinuz-6.1.0-xen",
        ramdisk: "/boot/initrd.img-6.1.0-xen",
        cmdline: "root=/dev/xvda1 ro console=hvc0",
        startTime: 1_700_000_000 + g.domid,
        console: { port: 2, mfn: 1048704 + g.domid },
        disks: [{ vdev: "xvda", target: `/dev/vg0/${g.name}-disk` }],
        nics: [{ devid: 0, mac: g.mac, bridge: "xenbr0" }],
        usbctrls: g.domid === 1 ? [{ devid: 0, version: 2, ports: 4 }] : [],
        usbdevs: g.domid === 1 ? [{ ctrl: 0, port: 1, busid: "3-1.5" }] : [],
      }),
    );
  }
  xs.disconnect(c);
}
