/**
 * Test-only crash hooks. With XENLAB_IMAGES_FAULT=<step> the process kills itself with
 * SIGKILL when it reaches the named step (as `kill -9` would); with <step>:pause it prints
 * "xenlab-images: paused at <step>" on stderr and blocks, so a test can kill it from
 * outside at exactly that point. Steps are named "<op>:<phase>", e.g. "clone:committed";
 * `XENLAB_IMAGES_FAULT=list` prints each step as it is passed, which is how the crash test
 * learns the steps of an operation. Without the variable this is a no-op.
 */
import { writeSync } from "node:fs";

const SPEC = process.env.XENLAB_IMAGES_FAULT ?? "";
const [TARGET, MODE] = SPEC.split(":pause").length > 1 ? [SPEC.split(":pause")[0], "pause"] : [SPEC, "kill"];

export function faultPoint(step: string): void {
  if (SPEC === "") return;
  if (SPEC === "list") {
    writeSync(2, `xenlab-images: step ${step}\n`);
    return;
  }
  if (step !== TARGET) return;
  if (MODE === "pause") {
    writeSync(2, `xenlab-images: paused at ${step}\n`);
    const cell = new Int32Array(new SharedArrayBuffer(4));
    for (;;) Atomics.wait(cell, 0, 0, 60_000);
  }
  process.kill(process.pid, "SIGKILL");
}
