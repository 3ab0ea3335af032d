/**
 * The image store on a file system without reflink (ext4 under /var/tmp): clones are
 * qcow2 overlays, and Debian's qemu-img verifies every overlay the store writes (info,
 * check, and compare against the template's data).
 *
 * Template: 64 MiB virtual, 4 MiB of non-zero data in 4 chunks. An overlay of it is 4
 * clusters (256 KiB) whatever the size; after qemu-io writes 1 MiB to one clone, that
 * clone's exclusive bytes grow by 1 MiB (16 clusters of 64 KiB, plus one 64 KiB L2 table).
 */
import { rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../test-support/cli-harness.js";
import {
  mountTmpfs,
  qemuImg,
  qemuInfo,
  qemuWrite,
  sha256File,
  storeFingerprint,
  writeTemplate,
} from "../test-support/image-fixtures.js";
import { ImageStoreError } from "./image-errors.js";
import { ImageStore } from "./image-store.js";
import { storeUsage } from "./image-usage.js";
import { checkStore } from "./store-check.js";
import { cloneImage, revertImage, snapshotImage } from "./store-clone.js";
import { importImage } from "./store-import.js";
import { removeImages } from "./store-remove.js";

const MiB = 2 ** 20;
const KiB = 1024;
let dir: string;
let root: string;
let tmpl: string;
let store: ImageStore;
let tmplHash: string;

function expectRefused(fn: () => unknown, code: ImageStoreError["code"], message: RegExp): void {
  const before = storeFingerprint(root);
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ImageStoreError);
  expect((err as ImageStoreError).code).toBe(code);
  expect((err as Error).message).toMatch(message);
  expect(storeFingerprint(root)).toBe(before);
}

function path(name: string): string {
  store.refresh();
  return store.path(store.get(name)!);
}

function verifyOverlay(name: string, backingName: string): void {
  const p = path(name);
  const info = qemuInfo(p);
  expect(info.format).toBe("qcow2");
  expect(info["backing-filename"]).toBe(store.get(backingName)!.file);
  expect(qemuImg(["check", p]).code).toBe(0);
}

beforeAll(() => {
  dir = tempDir("xenlab-qcow2-store-");
  root = join(dir, "store");
  tmpl = join(dir, "deb12.raw");
  writeTemplate(tmpl, 64 * MiB, 4, MiB);
  tmplHash = sha256File(tmpl);
  store = ImageStore.create(root, "auto").store;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("image store without reflink (qcow2 overlays)", () => {
  it("detects that reflink does not work here and says it will use qcow2 overlays", () => {
    expect(store.method).toBe("qcow2");
    expect(() => ImageStore.create(join(dir, "forced"), "reflink")).toThrow(/cannot reflink/);
  });

  it("imports a raw template by copying its data only (holes kept)", () => {
    const r = importImage(store, tmpl, "deb12");
    expect(r.how).toBe("copy");
    expect(r.bytesCopied).toBe(4 * MiB);
    expect(sha256File(path("deb12"))).toBe(tmplHash);
    expect(statSync(path("deb12")).blocks * 512).toBeLessThan(5 * MiB);
  });

  it("clones 5 disks as overlays that qemu-img accepts and that read exactly like the template", () => {
    const r = cloneImage(store, "deb12", ["web1", "web2", "web3", "web4", "web5"]);
    expect(r.how).toBe("qcow2-overlay");
    for (const n of ["web1", "web2", "web3", "web4", "web5"]) {
      verifyOverlay(n, "deb12");
      expect(statSync(path(n)).size).toBe(256 * KiB);
      expect(qemuImg(["compare", "-f", "raw", "-F", "qcow2", path("deb12"), path(n)]).code).toBe(0);
    }
  });

  it("writing to a clone leaves the template and the other clones unchanged", () => {
    qemuWrite(path("web1"), "qcow2", 0xab, 0, MiB);
    expect(sha256File(path("deb12"))).toBe(tmplHash);
    expect(qemuImg(["compare", "-f", "raw", "-F", "qcow2", path("deb12"), path("web1")]).code).toBe(1);
    expect(qemuImg(["compare", "-f", "raw", "-F", "qcow2", path("deb12"), path("web2")]).code).toBe(0);
    expect(qemuImg(["check", path("web1")]).code).toBe(0);
  });

  it("accounts space: clones share the template's data; exclusive is what each wrote", () => {
    const u = new Map(storeUsage(store).images.map((x) => [x.name, x]));
    const t = u.get("deb12")!;
    expect(t.allocated).toBe(4 * MiB);
    expect(t.shared).toBe(4 * MiB); // every clone still reads all of it
    expect(t.exclusive).toBe(0);
    const w2 = u.get("web2")!;
    expect(w2.shared).toBe(4 * MiB);
    expect(w2.exclusive).toBe(256 * KiB);
    const w1 = u.get("web1")!;
    // web1 overwrote its first MiB, which held template data: it inherits 3 MiB now.
    expect(w1.exclusive).toBe(256 * KiB + MiB + 64 * KiB);
    expect(w1.shared).toBe(3 * MiB);
    expect(w1.allocated).toBe(w1.shared + w1.exclusive);
  });

  it("snapshots and reverts a disk through an external qcow2 chain", () => {
    const before = join(dir, "web1-s1.raw");
    qemuImg(["convert", "-O", "raw", path("web1"), before]);
    const s = snapshotImage(store, "web1", "s1");
    expect(s.name).toBe("web1@s1");
    verifyOverlay("web1", "web1@s1");
    verifyOverlay("web1@s1", "deb12");
    qemuWrite(path("web1"), "qcow2", 0xcd, 8 * MiB, MiB);
    expect(qemuImg(["compare", "-F", "qcow2", before, path("web1")]).code).toBe(1);
    revertImage(store, "web1", "s1");
    verifyOverlay("web1", "web1@s1");
    expect(qemuImg(["compare", "-F", "qcow2", before, path("web1")]).code).toBe(0);
  });

  it("deleting a snapshot in the middle of a chain merges it into the next image", () => {
    qemuWrite(path("web1"), "qcow2", 0xee, 16 * MiB, MiB);
    const before = join(dir, "web1-merge.raw");
    qemuImg(["convert", "-O", "raw", path("web1"), before]);
    const r = removeImages(store, ["web1@s1"]);
    expect(r.steps).toEqual([{ kind: "merge", snapshot: "web1@s1", into: "web1" }]);
    verifyOverlay("web1", "deb12");
    expect(qemuImg(["compare", "-F", "qcow2", before, path("web1")]).code).toBe(0);
    expect(store.get("web1@s1")).toBeUndefined();
  });

  it("makes an explicit full copy with --copy, flattening the chain", () => {
    const r = cloneImage(store, "web1", ["solo"], { copy: true });
    expect(r.how).toBe("copy");
    expect(qemuInfo(path("solo"))["backing-filename"]).toBeUndefined();
    expect(qemuImg(["check", path("solo")]).code).toBe(0);
    expect(qemuImg(["compare", "-f", "qcow2", "-F", "qcow2", path("web1"), path("solo")]).code).toBe(0);
  });

  it("imports a qcow2 template and clones it as an overlay with backing format qcow2", () => {
    const q = join(dir, "deb12.qcow2");
    qemuImg(["convert", "-f", "raw", "-O", "qcow2", tmpl, q]);
    const r = importImage(store, q, "deb12q", { format: "qcow2" });
    expect(r.image.format).toBe("qcow2");
    expect(r.image.virtualSize).toBe(64 * MiB);
    cloneImage(store, "deb12q", ["webq"]);
    verifyOverlay("webq", "deb12q");
    expect(qemuInfo(path("webq"))["backing-filename-format"]).toBe("qcow2");
    expect(qemuImg(["compare", "-f", "raw", "-F", "qcow2", tmpl, path("webq")]).code).toBe(0);
    expect(() => importImage(store, tmpl, "rawasq", { format: "qcow2" })).toThrow(/no qcow2 magic/);
    removeImages(store, ["deb12q"], { force: true });
  });

  it("refuses bad requests with a clear error and leaves the store unchanged", () => {
    expectRefused(() => cloneImage(store, "deb12", ["web2"]), "exists", /already exists/);
    expectRefused(() => cloneImage(store, "nope", ["x1"]), "not-found", /no image named nope/);
    expectRefused(() => cloneImage(store, "deb12", ["bad name"]), "bad-name", /not a valid image name/);
    expectRefused(() => cloneImage(store, "web2", ["x2"]), "wrong-kind", /live disk/);
    expectRefused(() => snapshotImage(store, "deb12", "s"), "wrong-kind", /only disks/);
    const gz = join(dir, "x.img.gz");
    writeFileSync(gz, Buffer.from([0x1f, 0x8b, 8, 0, ...new Array(508).fill(0)]));
    expectRefused(() => importImage(store, gz, "gz"), "not-an-image", /gzip archive/);
    const odd = join(dir, "notes.txt");
    writeFileSync(odd, "hello\n");
    expectRefused(() => importImage(store, odd, "txt"), "not-an-image", /512-byte sectors/);
    expectRefused(() => importImage(store, join(dir, "missing.raw"), "m"), "not-found", /no such file/);
    expectRefused(() => importImage(store, path("web2"), "ov"), "not-an-image", /overlay/);
  });

  it("refuses to delete a template others depend on, naming them; --force deletes them all", () => {
    expectRefused(
      () => removeImages(store, ["deb12"]),
      "has-dependents",
      /web1 \(a qcow2 overlay on deb12\)/,
    );
    const r = removeImages(store, ["deb12"], { force: true });
    expect(r.steps[0].kind).toBe("delete");
    expect(store.list().map((i) => i.name)).toEqual(["solo"]);
    const c = checkStore(root);
    expect(c.actions).toEqual([]);
    expect(c.problems).toEqual([]);
  });

  it("refuses an import that does not fit, leaving the store unchanged", () => {
    const fs = mountTmpfs(8);
    if (!fs.ok) {
      console.warn(`SKIPPED no-space case: ${fs.reason}`);
      return;
    }
    try {
      const small = ImageStore.create(join(fs.dir, "s"), "auto").store;
      const before = storeFingerprint(small.root);
      expect(() => importImage(small, tmpl, "big")).toThrow(/not enough space/);
      expect(storeFingerprint(small.root)).toBe(before);
    } finally {
      fs.cleanup();
    }
  });
});
