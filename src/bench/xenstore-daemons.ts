/**
 * Starting the daemons the xenstore benchmarks load: xenlab's (the built CLI, in its own
 * process, as xenstored runs) and, when available, Debian's C xenstored 4.17 made to run
 * without a hypervisor by src/bench/c-xenstored/xen-nohv-shim.c (see that file for why).
 * The C binary is looked for at $XENLAB_C_XENSTORED, /usr/lib/xen-4.17/bin/xenstored and
 * under .cache/c-xenstored (scripts/fetch-c-xenstored.sh). Debian's /usr/sbin/xenstored
 * is not used: it is xen-utils-common's wrapper script, which picks the binary by the
 * running hypervisor's version (/sys/hypervisor/version) and fails without one.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createConnection } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));

export interface RunningDaemon {
  name: string;
  socket: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

async function waitForSocket(path: string, proc: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with code ${proc.exitCode}`);
    const ok = await new Promise<boolean>((res) => {
      const s = createConnection(path);
      s.once("connect", () => {
        s.destroy();
        res(true);
      });
      s.once("error", () => res(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not open ${path}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopper(proc: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((res) => {
      if (proc.exitCode !== null) return res();
      proc.once("exit", () => res());
      proc.kill("SIGTERM");
    });
}

export async function startXenlab(dir: string): Promise<RunningDaemon> {
  const socket = join(dir, "xenlab.sock");
  const proc = spawn(
    process.execPath,
    [join(REPO, "dist/cli/main.js"), "xenstored", "--socket", socket, "--quiet"],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  await waitForSocket(socket, proc, "xenlab xenstored");
  return { name: "xenlab", socket, proc, stop: stopper(proc) };
}

function findCBinary(): string | undefined {
  const candidates = [process.env.XENLAB_C_XENSTORED, "/usr/lib/xen-4.17/bin/xenstored"];
  const cache = join(REPO, ".cache/c-xenstored/root/usr/lib");
  if (existsSync(cache)) {
    for (const d of readdirSync(cache)) candidates.push(join(cache, d, "bin/xenstored"));
  }
  return candidates.find((c): c is string => c !== undefined && existsSync(c));
}

/** Starts the C xenstored, or returns the reason it cannot run here. */
export async function startCXenstored(dir: string): Promise<RunningDaemon | string> {
  const bin = findCBinary();
  if (!bin) return "no C xenstored found (run scripts/fetch-c-xenstored.sh, or set XENLAB_C_XENSTORED)";
  const shim = join(dir, "xen-nohv-shim.so");
  try {
    execFileSync(
      "cc",
      ["-shared", "-fPIC", "-O2", "-o", shim, join(REPO, "src/bench/c-xenstored/xen-nohv-shim.c"), "-ldl"],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
  } catch (e) {
    return `cannot build the no-hypervisor shim with cc: ${(e as Error).message.split("\n")[0]}`;
  }
  const rundir = join(dir, "c-run");
  execFileSync("mkdir", ["-p", rundir]);
  const proc = spawn(bin, ["-N"], {
    env: { ...process.env, LD_PRELOAD: shim, XENSTORED_RUNDIR: rundir, XENSTORED_ROOTDIR: rundir },
    stdio: ["ignore", "ignore", "ignore"],
  });
  const socket = join(rundir, "socket");
  try {
    await waitForSocket(socket, proc, `C xenstored (${bin})`);
  } catch (e) {
    proc.kill("SIGKILL");
    return (e as Error).message;
  }
  return { name: "c-xenstored", socket, proc, stop: stopper(proc) };
}
