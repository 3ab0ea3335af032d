/** `xenlab images ...` end to end through the built CLI (qcow2 store under /var/tmp). */
import { existsSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, xenlab } from "../test-support/cli-harness.js";
import { qemuImg, storeFingerprint, writeTemplate } from "../test-support/image-fixtures.js";

let dir: string;
let store: string;
let tmpl: string;

const img = (...args: string[]) => xenlab(["images", ...args]);

function expectRefusal(r: ReturnType<typeof xenlab>, message: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

beforeAll(() => {
  dir = tempDir("xenlab-images-cli-");
  store = join(dir, "store");
  tmpl = join(dir, "deb12.raw");
  writeTemplate(tmpl, 32 * 2 ** 20, 2, 2 ** 20);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("xenlab images", () => {
  it("teaches with --help, with examples, on the group and its subcommands", () => {
    for (const args of [["--help"], ["clone", "--help"]]) {
      const r = img(...args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Examples?:\n\s+\$ xenlab images /);
    }
  });

  it("creates no store when the first import is refused", () => {
    const gz = join(dir, "first.gz");
    writeFileSync(gz, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(510)]));
    expectRefusal(img("import", "--store", join(dir, "never"), gz, "g"), /gzip archive/);
    expect(existsSync(join(dir, "never"))).toBe(false);
  });

  it("creates a store on import, says which clone method it uses, clones and lists usage", () => {
    const r = img("import", "--store", store, tmpl, "deb12");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /created image store .*: clones by qcow2 overlay \(reflink not available here: E\w+\)/,
    );
    expect(r.stdout).toMatch(
      /imported .* as template deb12: raw, 32.0 MiB virtual, by copy \(2.0 MiB written/,
    );
    const c = img("clone", "-s", store, "deb12", "web1", "web2");
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/web1, web2: 2 disks from deb12 as qcow2 overlays in [\d.]+ s/);
    const ls = img("ls", "-s", store);
    expect(ls.stdout).toMatch(/^NAME\s+KIND\s+FORMAT\s+VIRTUAL\s+ALLOCATED\s+SHARED\s+EXCLUSIVE/);
    expect(ls.stdout).toMatch(
      /web1\s+disk\s+qcow2\s+32.0 MiB\s+2.3 MiB\s+2.0 MiB\s+256 KiB\s+deb12 \(backing\)/,
    );
    const json = JSON.parse(img("ls", "-s", store, "--json").stdout) as {
      method: string;
      images: { name: string; path: string; usage: { exclusive: number } }[];
    };
    expect(json.method).toBe("qcow2");
    const web2 = json.images.find((i) => i.name === "web2")!;
    expect(web2.usage.exclusive).toBe(256 * 1024);
    expect(qemuImg(["check", web2.path]).code).toBe(0);
    expect(img("path", "-s", store, "web2").stdout).toBe(`${web2.path}\tqcow2\n`);
  });

  it("snapshots with <disk>@<snap> and reverts", () => {
    expect(img("snapshot", "-s", store, "web1@clean").stdout).toMatch(/snapshot web1@clean taken/);
    expect(img("revert", "-s", store, "web1", "clean").stdout).toMatch(/web1 reverted to web1@clean/);
  });

  it("refuses bad input with exit code 2, a clear message and no change", () => {
    const before = storeFingerprint(store);
    expectRefusal(
      img("clone", "-s", store, "nope", "x"),
      /xenlab images clone: no image named nope \(the store has: deb12/,
    );
    expectRefusal(img("clone", "-s", store, "deb12", "web1"), /an image named web1 already exists/);
    expectRefusal(
      img("clone", "-s", store, "deb12", "x", "--size", "1MiB"),
      /at least deb12's 33554432 bytes/,
    );
    const gz = join(dir, "a.gz");
    writeFileSync(gz, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(510)]));
    expectRefusal(img("import", "-s", store, gz, "g"), /not a disk image: it is a gzip archive/);
    expectRefusal(
      img("rm", "-s", store, "deb12"),
      /deb12 cannot be deleted: .*web2 \(a qcow2 overlay on deb12\).*--force/,
    );
    expectRefusal(img("ls"), /--store <dir>/);
    expect(storeFingerprint(store)).toBe(before);
  });

  it("check repairs leftovers, and reports a missing file with exit code 1", () => {
    writeFileSync(join(store, "staging", "0123456789abcdef.qcow2"), "half-written");
    const r = img("check", "-s", store);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/repaired: removed 0123456789abcdef.qcow2 from staging\//);
    expect(img("check", "-s", store).stdout).toMatch(/ok: metadata and files agree/);
    const web2 = JSON.parse(img("ls", "-s", store, "--json", "--no-usage").stdout).images.find(
      (i: { name: string }) => i.name === "web2",
    ).path as string;
    unlinkSync(web2);
    const bad = img("check", "-s", store);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/problem: web2: its file images\/\w+\.qcow2 is missing/);
  });
});
