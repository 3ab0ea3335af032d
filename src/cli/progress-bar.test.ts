import { describe, expect, it } from "vitest";
import { ProgressBar } from "./progress-bar.js";

function fakeStream(): { stream: NodeJS.WriteStream; out: string[] } {
  const out: string[] = [];
  const stream = { write: (s: string) => out.push(s) > 0, isTTY: true } as unknown as NodeJS.WriteStream;
  return { stream, out };
}

describe("ProgressBar", () => {
  it("shows simulated time, events per second and an ETA once the run is long enough", () => {
    const { stream, out } = fakeStream();
    const bar = new ProgressBar(stream, true, 0);
    bar.update(2.5e9, 10e9, 1_000_000);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\r\[#{8}\.{22}\] {2}25% {2}sim 2\.5s\/10\.0s {2}.* events\/s {2}ETA .*s/);
    bar.done();
    expect(out.at(-1)).toBe("\r\x1b[K");
  });

  it("stays silent for short runs and when not on a terminal", () => {
    const a = fakeStream();
    const short = new ProgressBar(a.stream, true, 60_000);
    short.update(1, 2, 3);
    short.done();
    expect(a.out).toEqual([]);
    const b = fakeStream();
    const piped = new ProgressBar(b.stream, false, 0);
    piped.update(1, 2, 3);
    piped.done();
    expect(b.out).toEqual([]);
  });
});
