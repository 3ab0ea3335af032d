/**
 * The qcow2 writer, reader, rebase and merge against Debian's qemu-img / qemu-io: every
 * image we write must pass `qemu-img check`, be described by `qemu-img info` as we meant
 * it, and read (through its backing file) exactly like the reference data.
 */
import { execFileSync } from "node:child_process";
import { closeSync, openSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../test-support/cli-harness.js";
import { qemuImg, qemuInfo, qemuWrite, sha256File, writeTemplate } from "../test-support/image-fixtures.js";
import { mergeChain } from "./qcow2-merge.js";
import { HOST_ZERO, openQcow2Info, readClusterMap, readQcow2Info } from "./qcow2-reader.js";
import { rewriteBacking } from "./qcow2-rebase.js";
import { planLayout, writeQcow2 } from "./qcow2-writer.js";

const MiB = 2 ** 20;
const GiB = 2 ** 30;
let dir: string;
let base: string;

beforeAll(() => {
  dir = tempDir("xenlab-qcow2-");
  base = join(dir, "base.raw");
  writeTemplate(base, 64 * MiB, 4, MiB);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mapOf(path: string): { guest: number[]; host: number[] } {
  const fd = openSync(path, "r");
  try {
    const m = readClusterMap(fd, readQcow2Info(fd, path));
    return { guest: m.guest, host: m.host };
  } finally {
    closeSync(fd);
  }
}

describe("qcow2 overlay writer", () => {
  it("writes an empty overlay of a 10 GiB disk in 4 clusters that qemu-img accepts", () => {
    // Layout: header, refcount table, one refcount block, one L1 cluster (20 entries of
    // 512 MiB each); no L2 tables, no data. 4 x 64 KiB = 256 KiB whatever the disk size.
    const p = join(dir, "empty.qcow2");
    const lay = writeQcow2(p, { virtualSize: 10 * GiB, backing: { file: "base.raw", format: "raw" } });
    expect(lay.totalClusters).toBe(4);
    expect(lay.l1Size).toBe(20);
    const info = qemuInfo(p);
    expect(info.format).toBe("qcow2");
    expect(info["virtual-size"]).toBe(10 * GiB);
    expect(info["backing-filename"]).toBe("base.raw");
    expect(info["backing-filename-format"]).toBe("raw");
    expect(qemuImg(["check", p]).code).toBe(0);
  });

  it("reads through to the backing file: qemu-img compare equals the template", () => {
    const p = join(dir, "same.qcow2");
    writeQcow2(p, { virtualSize: 64 * MiB, backing: { file: "base.raw", format: "raw" } });
    const r = qemuImg(["compare", "-f", "raw", "-F", "qcow2", base, p]);
    expect(r.out).toContain("Images are identical");
    expect(r.code).toBe(0);
  });

  it("maps what qemu-io writes into the overlay, and the template stays unchanged", () => {
    const p = join(dir, "written.qcow2");
    const before = sha256File(base);
    writeQcow2(p, { virtualSize: 64 * MiB, backing: { file: "base.raw", format: "raw" } });
    qemuWrite(p, "qcow2", 0xab, 3 * 65536, 65536);
    qemuWrite(p, "qcow2", 0xcd, 40 * MiB, 2 * 65536);
    expect(mapOf(p).guest).toEqual([3, 640, 641]);
    expect(qemuImg(["check", p]).code).toBe(0);
    expect(qemuImg(["compare", "-f", "raw", "-F", "qcow2", base, p]).code).toBe(1); // differ
    expect(sha256File(base)).toBe(before);
  });

  it("writes data and zero clusters with many refcount blocks (512-byte clusters)", () => {
    // cluster_bits 9: a refcount block covers 256 clusters, so 700 data clusters need
    // 3+ blocks; the fixed point must still give every cluster refcount 1.
    const p = join(dir, "small-clusters.qcow2");
    const guests = Array.from({ length: 700 }, (_, i) => ({ guest: i * 2, zero: i % 7 === 0 }));
    const lay = writeQcow2(p, {
      virtualSize: 2 * MiB,
      clusterBits: 9,
      clusters: guests,
      readData: (g) => Buffer.alloc(512, (g % 250) + 1),
    });
    expect(lay.refcountBlocks).toBeGreaterThanOrEqual(3);
    expect(qemuImg(["check", p]).code).toBe(0);
    const raw = join(dir, "small-clusters.raw");
    execFileSync("qemu-img", ["convert", "-O", "raw", p, raw]);
    const expected = Buffer.alloc(2 * MiB);
    for (const c of guests)
      if (!c.zero) expected.fill((c.guest % 250) + 1, c.guest * 512, c.guest * 512 + 512);
    const ref = join(dir, "small-expected.raw");
    writeFileSync(ref, expected);
    expect(qemuImg(["compare", "-f", "raw", "-F", "raw", ref, raw]).code).toBe(0);
    expect(mapOf(p).host.filter((h) => h === HOST_ZERO).length).toBe(100);
  });

  it("refuses sizes that are not whole sectors", () => {
    expect(() => planLayout({ virtualSize: 1000 })).toThrow(/multiple of 512/);
  });
});

describe("qcow2 rebase and merge", () => {
  it("rewrites the backing name in place (qemu-img info sees the new one)", () => {
    const p = join(dir, "rebase.qcow2");
    writeQcow2(p, { virtualSize: 64 * MiB, backing: { file: "base.raw", format: "raw" } });
    execFileSync("cp", [base, join(dir, "base2.raw")]);
    rewriteBacking(p, "base2.raw", "raw");
    expect(openQcow2Info(p).backingFile).toBe("base2.raw");
    expect(qemuInfo(p)["backing-filename"]).toBe("base2.raw");
    expect(qemuImg(["check", p]).code).toBe(0);
  });

  it("merges the top two layers of a chain into one that reads identically", () => {
    // base.raw <- mid.qcow2 <- top.qcow2, with a zero cluster in top hiding mid's data.
    const mid = join(dir, "mid.qcow2");
    const top = join(dir, "top.qcow2");
    writeQcow2(mid, { virtualSize: 64 * MiB, backing: { file: "base.raw", format: "raw" } });
    qemuWrite(mid, "qcow2", 0x11, 0, 4 * 65536);
    writeQcow2(top, { virtualSize: 64 * MiB, backing: { file: "mid.qcow2", format: "qcow2" } });
    qemuWrite(top, "qcow2", 0x22, 65536, 65536);
    execFileSync("qemu-io", ["-f", "qcow2", "-c", `write -z ${2 * 65536} 65536`, top], { stdio: "ignore" });
    const merged = join(dir, "merged.qcow2");
    mergeChain({
      chain: [
        { path: top, format: "qcow2" },
        { path: mid, format: "qcow2" },
        { path: base, format: "raw" },
      ],
      depth: 2,
      backingName: "base.raw",
      out: merged,
      virtualSize: 64 * MiB,
    });
    expect(qemuImg(["check", merged]).code).toBe(0);
    expect(qemuInfo(merged)["backing-filename"]).toBe("base.raw");
    expect(qemuImg(["compare", "-f", "qcow2", "-F", "qcow2", top, merged]).code).toBe(0);
    // Clusters 0..3 mapped: 0,1,3 data and 2 a zero cluster.
    const m = mapOf(merged);
    expect(m.guest).toEqual([0, 1, 2, 3]);
    expect(m.host[2]).toBe(HOST_ZERO);
  });

  it("flattens a whole chain into a stand-alone image", () => {
    const top = join(dir, "top.qcow2");
    const flat = join(dir, "flat.qcow2");
    mergeChain({
      chain: [
        { path: top, format: "qcow2" },
        { path: join(dir, "mid.qcow2"), format: "qcow2" },
        { path: base, format: "raw" },
      ],
      depth: 3,
      out: flat,
      virtualSize: 64 * MiB,
    });
    const info = qemuInfo(flat);
    expect(info["backing-filename"]).toBeUndefined();
    expect(qemuImg(["check", flat]).code).toBe(0);
    expect(qemuImg(["compare", "-f", "qcow2", "-F", "qcow2", top, flat]).code).toBe(0);
  });

  it("reads compressed clusters written by qemu-img convert -c", () => {
    const comp = join(dir, "comp.qcow2");
    execFileSync("qemu-img", ["convert", "-c", "-f", "raw", "-O", "qcow2", base, comp]);
    const flat = join(dir, "from-comp.qcow2");
    mergeChain({ chain: [{ path: comp, format: "qcow2" }], depth: 1, out: flat, virtualSize: 64 * MiB });
    expect(qemuImg(["compare", "-f", "raw", "-F", "qcow2", base, flat]).code).toBe(0);
  });
});
