/**
 * Debian's xenstore-utils (Xen 4.17 libxenstore) against `xenlab xenstored` on a
 * temporary socket: the tools find it through XENSTORED_PATH (libxenstore's
 * xs_daemon_socket(): XENSTORED_PATH, else $XENSTORED_RUNDIR/socket; it connects to the
 * socket when the path is a socket, before trying /dev/xen/xenbus).
 * The tools are installed by `npm test` (scripts/apt-packages.txt: xenstore-utils).
 */
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "../../test-support/cli-harness.js";
import { replyText, XsSocketClient } from "./xs-socket-client.js";
import { XsType } from "./xs-wire.js";

const run = promisify(execFile);
const HAVE_TOOLS = spawnSync("sh", ["-c", "command -v xenstore-read"]).status === 0;
if (!HAVE_TOOLS) {
  throw new Error(
    "xenstore-utils is not installed: run `npm test` (scripts/test-setup.mjs installs it) or apt-get install xenstore-utils",
  );
}

interface Daemon {
  proc: ChildProcess;
  socket: string;
  guest: string;
  stderr: string[];
}

async function startDaemon(dir: string, extra: string[] = [], name = "xs"): Promise<Daemon> {
  const socket = join(dir, `${name}.sock`);
  const guest = join(dir, `${name}-dom5.sock`);
  const stderr: string[] = [];
  const proc = spawn(
    process.execPath,
    [CLI, "xenstored", "--socket", socket, "--guest-socket", `5:${guest}`, ...extra],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  proc.stderr?.on("data", (d: Buffer) => stderr.push(d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (stderr.join("").includes("listening on")) break;
    if (proc.exitCode !== null) throw new Error(`daemon exited ${proc.exitCode}: ${stderr.join("")}`);
    if (Date.now() > deadline) throw new Error(`daemon did not start: ${stderr.join("")}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { proc, socket, guest, stderr };
}

function stopDaemon(d: Daemon, signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  return new Promise((resolve) => {
    if (d.proc.exitCode !== null) return resolve(d.proc.exitCode);
    d.proc.once("exit", (code) => resolve(code));
    d.proc.kill(signal);
  });
}

async function waitFor(cond: () => boolean, ms: number, why: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(why());
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs a xenstore tool against a socket; never throws, returns code and output. */
async function tool(
  socket: string,
  cmd: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(cmd, args, { env: { ...process.env, XENSTORED_PATH: socket }, timeout: 30_000 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === "number" ? x.code : -1, out: x.stdout ?? "", err: x.stderr ?? "" };
  }
}

describe("Xen's xenstore tools against xenlab xenstored", () => {
  let dir = "";
  let d: Daemon;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "xs-tools-"));
    d = await startDaemon(dir, ["--state", join(dir, "xs.state"), "--entry-nb", "4"]);
  });
  afterAll(async () => {
    if (d) await stopDaemon(d);
    rmSync(dir, { recursive: true, force: true });
  });

  it("write, read, ls, list, exists, rm round trip", async () => {
    expect((await tool(d.socket, "xenstore-write", ["/demo/a", "hello", "/demo/b", "x y"])).code).toBe(0);
    expect((await tool(d.socket, "xenstore-read", ["/demo/a"])).out).toBe("hello\n");
    expect((await tool(d.socket, "xenstore-read", ["-p", "/demo/b"])).out).toBe("/demo/b: x y\n");
    expect((await tool(d.socket, "xenstore-list", ["/demo"])).out).toBe("a\nb\n");
    expect((await tool(d.socket, "xenstore-ls", ["-f", "/demo"])).out).toBe(
      '/demo/a = "hello"\n/demo/b = "x y"\n',
    );
    expect((await tool(d.socket, "xenstore-exists", ["/demo/a"])).code).toBe(0);
    expect((await tool(d.socket, "xenstore-exists", ["/demo/zz"])).code).toBe(1);
    const missing = await tool(d.socket, "xenstore-read", ["/demo/zz"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("couldn't read path /demo/zz");
    expect((await tool(d.socket, "xenstore-rm", ["/demo/a"])).code).toBe(0);
    expect((await tool(d.socket, "xenstore-list", ["/demo"])).out).toBe("b\n");
    expect((await tool(d.socket, "xenstore-rm", ["/nothere/x"])).code).toBe(1); // parent missing: ENOENT
  });

  it("chmod sets the permissions xenstore-ls -p shows; an unknown owner domain is refused", async () => {
    await tool(d.socket, "xenstore-write", ["/perm/x", "1"]);
    expect((await tool(d.socket, "xenstore-chmod", ["/perm/x", "r0", "b5"])).code).toBe(0);
    expect((await tool(d.socket, "xenstore-ls", ["-p", "/perm"])).out).toBe(
      'x = "1"  . . . . . . . . . . . . . . . . . . . . . . . . . .  (r0,b5)\n',
    );
    const bad = await tool(d.socket, "xenstore-chmod", ["/perm/x", "n77"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("No such file or directory");
  });

  it("a watch fires at once and then for a change below it", async () => {
    const watch = spawn("xenstore-watch", ["-n", "2", "/wt"], {
      env: { ...process.env, XENSTORED_PATH: d.socket },
    });
    let out = "";
    watch.stdout.on("data", (b: Buffer) => {
      out += b.toString();
    });
    const exited = new Promise<number | null>((resolve) => watch.once("exit", resolve));
    try {
      await waitFor(
        () => out.includes("/wt\n"),
        30_000,
        () => `no initial watch event; got ${JSON.stringify(out)}`,
      );
      await tool(d.socket, "xenstore-write", ["/wt/child", "v"]);
      await waitFor(
        () => watch.exitCode !== null,
        30_000,
        () => `xenstore-watch did not finish; got ${JSON.stringify(out)}`,
      );
    } finally {
      if (watch.exitCode === null) watch.kill();
    }
    expect(await exited).toBe(0);
    expect(out).toBe("/wt\n/wt/child\n");
  });

  it("a guest connection is denied dom0's nodes but works in its own directory", async () => {
    await tool(d.socket, "xenstore-write", ["/local/domain/0/name", "Domain-0", "/local/domain/5/data", ""]);
    await tool(d.socket, "xenstore-chmod", ["/local/domain/5", "n0", "r5"]);
    await tool(d.socket, "xenstore-chmod", ["/local/domain/5/data", "n5"]);
    const denied = await tool(d.guest, "xenstore-read", ["/local/domain/0/name"]);
    expect(denied.code).toBe(1);
    expect(denied.err).toContain("couldn't read path /local/domain/0/name");
    expect((await tool(d.guest, "xenstore-write", ["data/greeting", "hi"])).code).toBe(0);
    expect((await tool(d.guest, "xenstore-read", ["/local/domain/5/data/greeting"])).out).toBe("hi\n");
    expect((await tool(d.socket, "xenstore-ls", ["-p", "/local/domain/5/data"])).out).toContain("(n5)");
    expect((await tool(d.guest, "xenstore-write", ["/local/domain/0/name", "evil"])).code).toBe(1);
  });

  it("guests hit quotas: node-size (2048) and the daemon's --entry-nb 4", async () => {
    const big = await tool(d.guest, "xenstore-write", ["data/big", "x".repeat(2100)]);
    expect(big.code).toBe(1);
    expect(big.err).toContain("could not write path data/big");
    // data and data/greeting are owned by dom5 already: two more fit, the third is ENOSPC
    expect((await tool(d.guest, "xenstore-write", ["data/n1", "1"])).code).toBe(0);
    expect((await tool(d.guest, "xenstore-write", ["data/n2", "1"])).code).toBe(0);
    expect((await tool(d.guest, "xenstore-write", ["data/n3", "1"])).code).toBe(1);
    expect((await tool(d.socket, "xenstore-write", ["/local/domain/5/data/n3", "1"])).code).toBe(0); // dom0 exempt
  });

  it("a transaction conflicting with a write by xenstore-write ends in EAGAIN", async () => {
    await tool(d.socket, "xenstore-write", ["/conflict", "1"]);
    const c = await XsSocketClient.connect(d.socket);
    const tx = Number(replyText(await c.request(XsType.TRANSACTION_START, "\0")).split("|")[0]);
    expect(replyText(await c.request(XsType.READ, "/conflict\0", tx))).toBe("1");
    expect((await tool(d.socket, "xenstore-write", ["/conflict", "2"])).code).toBe(0);
    await c.request(XsType.WRITE, "/conflict\0from-tx", tx);
    expect(replyText(await c.request(XsType.TRANSACTION_END, "T\0", tx))).toBe("EAGAIN|");
    expect((await tool(d.socket, "xenstore-read", ["/conflict"])).out).toBe("2\n");
    c.close();
  });

  it("an acknowledged write survives kill -9; a corrupt state file is refused with its offset (exit 2)", async () => {
    expect((await tool(d.socket, "xenstore-write", ["/durable", "yes"])).code).toBe(0);
    await stopDaemon(d, "SIGKILL");
    d = await startDaemon(dir, ["--state", join(dir, "xs.state")]);
    expect((await tool(d.socket, "xenstore-read", ["/durable"])).out).toBe("yes\n");
    expect((await tool(d.socket, "xenstore-read", ["/local/domain/5/data/greeting"])).out).toBe("hi\n");
    expect(await stopDaemon(d)).toBe(0);
    expect(statSync(join(dir, "xs.state.wal")).size).toBe(16); // clean stop: log folded in
    const state = join(dir, "xs.state");
    const bytes = readFileSync(state);
    bytes[30] ^= 0x55;
    writeFileSync(state, bytes);
    const r = spawnSync(
      process.execPath,
      [CLI, "xenstored", "--socket", join(dir, "x2.sock"), "--state", state],
      {
        encoding: "utf8",
        timeout: 20_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/xs\.state: corrupt at byte offset 16: record checksum/);
    expect(readFileSync(state).equals(bytes)).toBe(true);
    d = await startDaemon(dir, [], "fresh"); // for afterAll
  });
});

describe("xenlab xenstored command line", () => {
  it("rejects bad flags with exit code 2 and says why", () => {
    const cases: Array<[string[], RegExp]> = [
      [["--socket", "/tmp/x.sock", "--guest-socket", "five:/tmp/y"], /--guest-socket: expected DOMID:PATH/],
      [
        ["--socket", "/tmp/x.sock", "--quota", "nodez=3"],
        /--quota: expected NAME=VALUE with NAME one of nodes/,
      ],
      [["--socket", "/tmp/x.sock", "--entry-nb", "-1"], /--entry-nb: expected a whole number/],
      [["--socket", "/tmp/x.sock", "--recover"], /--recover needs --state/],
    ];
    for (const [args, msg] of cases) {
      const r = spawnSync(process.execPath, [CLI, "xenstored", ...args], {
        encoding: "utf8",
        timeout: 20_000,
      });
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});
