/**
 * Persistence: the tree survives a restart, committed batches are in the log before the
 * output that acknowledges them, a crash mid-append is refused (or cut with --recover),
 * corruption names the file and byte offset and leaves the files untouched.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Xenstored } from "./xenstored.js";
import { XsStateError, XsStateFile } from "./xs-state-file.js";
import { treeSnapshot } from "./xs-wire-harness.js";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "xs-state-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function open(path: string, recover = false): { xs: Xenstored; state: XsStateFile } {
  const xs = new Xenstored({ domains: [5] });
  const state = new XsStateFile(path, { recover });
  state.open(xs);
  return { xs, state };
}

describe("the state file", () => {
  it("keeps the tree, permissions and children order across a clean restart", () => {
    const path = join(dir, "xs.state");
    const a = open(path);
    const c = a.xs.connect(0);
    c.write("/a/z", "1");
    c.write("/a/b", Buffer.from([0, 1, 2, 255]));
    c.setPerms("/a/b", ["n5", "r0"]);
    c.rm("/tool/xenstored");
    const before = treeSnapshot(a.xs);
    a.state.close(a.xs);
    const b = open(path);
    expect(treeSnapshot(b.xs)).toBe(before);
    expect(b.xs.connect(0).directory("/a")).toEqual(["z", "b"]);
  });

  it("replays the log after a crash (no clean close): every acknowledged change is there", () => {
    const path = join(dir, "xs.state");
    const a = open(path);
    const c = a.xs.connect(0);
    for (let i = 0; i < 20; i++) c.write(`/k/${i}`, String(i));
    const tx = c.transactionStart() as number;
    c.write("/k/tx", "t", tx);
    c.transactionEnd(tx, true);
    const before = treeSnapshot(a.xs);
    // no close(): the process "dies" here
    const b = open(path);
    expect(treeSnapshot(b.xs)).toBe(before);
  });

  it("each batch is durable before its output is delivered (the log grows before the sink runs)", () => {
    const path = join(dir, "xs.state");
    const xs = new Xenstored();
    const state = new XsStateFile(path);
    state.open(xs);
    const sizes: number[] = [];
    const watcher = xs.connect(0, { event: () => sizes.push(readFileSync(`${path}.wal`).length) });
    watcher.watch("/w", "t");
    const afterWatch = readFileSync(`${path}.wal`).length;
    xs.connect(0).write("/w/x", "1");
    expect(sizes[sizes.length - 1]).toBeGreaterThan(afterWatch);
  });

  it("compaction folds the log into a new snapshot atomically", () => {
    const path = join(dir, "xs.state");
    const xs = new Xenstored();
    const state = new XsStateFile(path, { compactBytes: 2000 });
    state.open(xs);
    const c = xs.connect(0);
    for (let i = 0; i < 100; i++) c.write(`/many/${i}`, "x".repeat(50));
    expect(readFileSync(`${path}.wal`).length).toBeLessThan(2200);
    const before = treeSnapshot(xs);
    expect(treeSnapshot(open(path).xs)).toBe(before);
  });

  it("refuses a log ending inside a record, unless asked to recover (then keeps a copy)", () => {
    const path = join(dir, "xs.state");
    const a = open(path);
    a.xs.connect(0).write("/ok", "1");
    const good = treeSnapshot(a.xs);
    const wal = `${path}.wal`;
    const len = readFileSync(wal).length;
    appendFileSync(wal, Buffer.from([200, 0, 0, 0, 1, 2, 3])); // a torn record
    const walBefore = readFileSync(wal);
    expect(() => open(path)).toThrow(XsStateError);
    try {
      open(path);
    } catch (e) {
      expect((e as XsStateError).offset).toBe(len);
      expect((e as Error).message).toContain(`corrupt at byte offset ${len}`);
      expect((e as Error).message).toContain("--recover");
    }
    expect(readFileSync(wal).equals(walBefore)).toBe(true); // untouched
    const r = open(path, true);
    expect(treeSnapshot(r.xs)).toBe(good);
    expect(existsSync(`${wal}.torn-at-${len}`)).toBe(true);
    expect(readFileSync(wal).length).toBe(len);
  });

  it("a flipped byte fails the checksum: error names the record's offset, files untouched", () => {
    const path = join(dir, "xs.state");
    const a = open(path);
    a.xs.connect(0).write("/ok", "1");
    a.state.close(a.xs);
    const snap = readFileSync(path);
    const damaged = Buffer.from(snap);
    damaged[40] ^= 0xff;
    writeFileSync(path, damaged);
    expect(() => open(path)).toThrow(/xs\.state: corrupt at byte offset 16: record checksum/);
    expect(readFileSync(path).equals(damaged)).toBe(true);
  });

  it("bad magic, version and a truncated snapshot are reported with offsets", () => {
    const path = join(dir, "xs.state");
    const a = open(path);
    a.state.close(a.xs);
    const snap = readFileSync(path);
    writeFileSync(path, Buffer.concat([Buffer.from("NOTXENST"), snap.subarray(8)]));
    expect(() => open(path)).toThrow(/offset 0: bad magic "NOTXENST"/);
    const v2 = Buffer.from(snap);
    v2.writeUInt32LE(2, 8);
    writeFileSync(path, v2);
    expect(() => open(path)).toThrow(/offset 8: format version 2, expected 1/);
    writeFileSync(path, snap.subarray(0, snap.length - 3));
    expect(() => open(path)).toThrow(/ends inside a record/);
    writeFileSync(path, snap.subarray(0, 7));
    expect(() => open(path)).toThrow(/shorter than its 16-byte header/);
  });

  it("a well-formed file describing a broken tree is refused", () => {
    const path = join(dir, "xs.state");
    const a = open(path);
    const c = a.xs.connect(0);
    c.write("/a/b", "1");
    // Forge a batch that deletes /a but leaves its child /a/b listed nowhere.
    a.state.append(a.xs, [{ op: "del", name: "/a" }]);
    expect(() => open(path)).toThrow(/inconsistent/);
  });

  it("a log without its snapshot is refused", () => {
    const path = join(dir, "xs.state");
    writeFileSync(`${path}.wal`, "junk");
    expect(() => open(path)).toThrow(/without its snapshot/);
  });
});
