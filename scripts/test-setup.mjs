#!/usr/bin/env node
// Installs the Debian tools the tests drive (scripts/apt-packages.txt), only those missing.
// Idempotent: with everything present it does nothing and prints nothing.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

const list = readFileSync(new URL("./apt-packages.txt", import.meta.url), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"))
  .map((l) => l.split(/\s+/));

const have = (cmd) =>
  spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0 ||
  spawnSync("sh", ["-c", `test -e ${cmd}`], { stdio: "ignore" }).status === 0;
const missing = list.filter(([, probe]) => !have(probe)).map(([pkg]) => pkg);
if (missing.length === 0) process.exit(0);

const root = process.getuid?.() === 0;
const sudo = root ? [] : ["sudo", "-n"];
process.stderr.write(`test-setup: installing ${missing.join(", ")} with apt-get\n`);
try {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const run = (args) =>
    execFileSync(sudo[0] ?? args[0], sudo.length ? [...sudo.slice(1), ...args] : args.slice(1), {
      stdio: "inherit",
      env,
    });
  run(["apt-get", "update", "-qq"]);
  run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...missing]);
} catch (e) {
  process.stderr.write(
    `test-setup: could not install ${missing.join(", ")}: ${e.message}\nInstall them and run npm test again.\n`,
  );
  process.exit(2);
}
