/**
 * The image store on a real XFS with reflink=1 (a 512 MiB loop file, mounted here as
 * root): clones, snapshots and reverts are FICLONE reflinks, checked against the file
 * system itself.
 *
 * Template: 32 MiB virtual, 24 MiB of non-zero data. Cloning it 5 times must not take 5 x
 * 24 MiB of free space (we allow 2 MiB in all, for XFS metadata); writing 1 MiB into a
 * clone must leave the template's SHA-256 unchanged and make that clone's exclusive bytes
 * grow by 1 MiB (XFS copies on write at block granularity; we allow up to 1.5 MiB for its
 * CoW extent-size hint), while FIEMAP reports the rest of it shared.
 */
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freeBytes,
  mountXfsReflink,
  REQUIRE_LOOP,
  sha256File,
  writeTemplate,
} from "../test-support/image-fixtures.js";
import { readExtents } from "./extent-map.js";
import { ImageStore } from "./image-store.js";
import { storeUsage } from "./image-usage.js";
import { loopAvailable } from "./loop-fs.js";
import { checkStore } from "./store-check.js";
import { cloneImage, revertImage, snapshotImage } from "./store-clone.js";
import { importImage } from "./store-import.js";
import { removeImages } from "./store-remove.js";

const MiB = 2 ** 20;
/** Non-zero data in the template (3 chunks of 8 MiB in a 32 MiB disk). */
const DATA = 24 * MiB;
// Decide at collection time whether loop mounts work; mount only in beforeAll, so a run
// that filters these tests out mounts nothing.
const avail = loopAvailable();
const reason = avail.ok ? "" : avail.reason;

if (!avail.ok) {
  console.warn(`reflink store tests SKIPPED: ${reason}`);
  describe("image store on XFS with reflink", () => {
    it.skipIf(!REQUIRE_LOOP)(`SKIPPED: needs a loop-mounted XFS (${reason})`, () => {
      throw new Error(`XENLAB_REQUIRE_LOOP=1 but no loop-mounted XFS: ${reason}`);
    });
  });
} else {
  let mnt = "";
  let root = "";
  let cleanup = (): void => {};
  let store: ImageStore;
  let tmplHash: string;
  const path = (n: string): string => {
    store.refresh();
    return store.path(store.get(n)!);
  };
  const usage = (n: string) => storeUsage(store).images.find((u) => u.name === n)!;

  beforeAll(() => {
    const fs = mountXfsReflink(512);
    if (!fs.ok) throw new Error(`cannot mount the test XFS: ${fs.reason}`);
    mnt = fs.dir;
    root = join(mnt, "store");
    cleanup = fs.cleanup;
    const src = join(mnt, "deb12.raw");
    writeTemplate(src, 32 * MiB, 3, DATA / 3);
    tmplHash = sha256File(src);
    store = ImageStore.create(root, "auto").store;
  });
  afterAll(() => cleanup());

  describe("image store on XFS with reflink", () => {
    it("detects reflink by trying it, and uses it", () => {
      expect(store.method).toBe("reflink");
    });

    it("imports a template from the same file system by reflink (no data copied)", () => {
      const free0 = freeBytes(mnt);
      const r = importImage(store, join(mnt, "deb12.raw"), "deb12");
      expect(r.how).toBe("reflink");
      expect(free0 - freeBytes(mnt)).toBeLessThan(2 * MiB);
      expect(sha256File(path("deb12"))).toBe(tmplHash);
      rmSync(join(mnt, "deb12.raw"));
    });

    it("clones 5 disks without using the image's size in free space; every extent is shared", () => {
      const free0 = freeBytes(mnt);
      const r = cloneImage(store, "deb12", ["vm1", "vm2", "vm3", "vm4", "vm5"]);
      expect(r.how).toBe("reflink");
      const used = free0 - freeBytes(mnt);
      expect(used).toBeLessThan(2 * MiB); // 5 full copies would be 120 MiB
      for (const n of ["vm1", "vm2", "vm3", "vm4", "vm5"]) {
        expect(sha256File(path(n))).toBe(tmplHash);
        const ext = readExtents(path(n))!;
        expect(ext.length).toBeGreaterThan(0);
        expect(ext.every((e) => e.shared)).toBe(true);
      }
      const u = usage("vm3");
      expect(u.allocated).toBe(DATA);
      expect(u.shared).toBe(DATA);
      expect(u.exclusive).toBe(0);
      expect(storeUsage(store).physical).toBe(DATA); // six images, one copy of the data
    });

    it("writing into a clone leaves the template unchanged and makes only that MiB exclusive", () => {
      const fd = openSync(path("vm1"), "r+");
      writeSync(fd, Buffer.alloc(MiB, 0x77), 0, MiB, 0);
      closeSync(fd);
      expect(sha256File(path("deb12"))).toBe(tmplHash);
      expect(sha256File(path("vm2"))).toBe(tmplHash);
      expect(sha256File(path("vm1"))).not.toBe(tmplHash);
      const u = usage("vm1");
      expect(u.exclusive).toBeGreaterThanOrEqual(MiB);
      expect(u.exclusive).toBeLessThanOrEqual(1.5 * MiB);
      expect(u.shared).toBe(u.allocated - u.exclusive);
    });

    it("snapshots by reflink and reverts to the snapshot's exact bytes", () => {
      const snapHash = sha256File(path("vm1"));
      const free0 = freeBytes(mnt);
      snapshotImage(store, "vm1", "s1");
      expect(free0 - freeBytes(mnt)).toBeLessThan(2 * MiB);
      const fd = openSync(path("vm1"), "r+");
      writeSync(fd, Buffer.alloc(MiB, 0x99), 0, MiB, 12 * MiB);
      closeSync(fd);
      expect(sha256File(path("vm1@s1"))).toBe(snapHash);
      revertImage(store, "vm1", "s1");
      expect(sha256File(path("vm1"))).toBe(snapHash);
    });

    it("deletes the template while clones live: they keep their data (reflink has no dependents)", () => {
      expect(() => removeImages(store, ["vm1"])).toThrow(/vm1@s1 \(a snapshot of vm1\)/);
      removeImages(store, ["deb12"]);
      expect(sha256File(path("vm2"))).toBe(tmplHash);
      const c = checkStore(root);
      expect(c.problems).toEqual([]);
      expect(c.actions).toEqual([]);
      expect(c.reflink.supported).toBe(true);
    });

    it("makes a full copy only when asked: --copy owns all its blocks", () => {
      const free0 = freeBytes(mnt);
      cloneImage(store, "vm2", ["copy1"], { copy: true });
      expect(free0 - freeBytes(mnt)).toBeGreaterThanOrEqual(DATA);
      const u = usage("copy1");
      expect(u.exclusive).toBe(DATA);
      expect(u.shared).toBe(0);
      expect(sha256File(path("copy1"))).toBe(tmplHash);
    });
  });
}
