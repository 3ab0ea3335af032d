/**
 * Persistence for `xenlab xenstored --state FILE`: the tree survives a restart, a change
 * is durable before it is acknowledged, and nothing half-written is ever read back.
 *
 * Format (ours; C xenstored keeps its database in memory). Two files:
 * - FILE, a snapshot: header, then one record per node;
 * - FILE.wal, a write-ahead log: header, then one record per committed batch of changes.
 * Header: 8-byte magic ("XLXSSNAP" / "XLXSWAL\0"), u32 format version (1), u32 epoch.
 * Record: u32 body length, u32 CRC-32 of the body, body. All integers little-endian.
 * Body of a snapshot record: one node entry. Body of a WAL record: u8 4 (batch), u32
 * count, then `count` entries. Entry: u8 1 (put) u16 name length, name, u16 permission
 * count, per permission u32 domid and u8 bits, u32 value length, value, u16 child
 * count, per child u16 length and name; or u8 2 (delete), u16 name length, name.
 *
 * Durability: the socket server acknowledges a batch of requests only after its WAL
 * record is written and fdatasync'ed (group commit). Compaction writes a full snapshot
 * to FILE.tmp, fsyncs, renames it over FILE (atomic), then replaces the WAL the same way
 * with the next epoch; a WAL whose epoch is older than the snapshot's was already folded
 * in and is ignored, so a crash at any point leaves a readable pair.
 * Corruption (bad magic, version, CRC, truncated snapshot, malformed entry, a tree that
 * does not hang together) is an XsStateError naming the file and byte offset; the files
 * are left untouched. A WAL that ends inside a record (a batch being written when the
 * process died, hence never acknowledged) is also refused, unless `recover` is set: then
 * that incomplete tail is cut off after a copy of the whole WAL is kept beside it.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { crc32 } from "node:zlib";
import type { Xenstored, XsJournalEntry } from "./xenstored.js";
import { checkStore } from "./xs-domain-ops.js";
import { makeNode, type XsNode } from "./xs-node.js";
import type { XsPerm } from "./xs-perms.js";

const SNAP_MAGIC = Buffer.from("XLXSSNAP", "latin1");
const WAL_MAGIC = Buffer.from("XLXSWAL\0", "latin1");
const VERSION = 1;
const HEADER = 16;
const KIND_PUT = 1;
const KIND_DEL = 2;
const KIND_BATCH = 4;
/** Compact when the WAL grows past this (bytes). */
const DEFAULT_COMPACT_BYTES = 8 * 1024 * 1024;

export class XsStateError extends Error {
  override name = "XsStateError";
  constructor(
    readonly file: string,
    readonly offset: number | undefined,
    readonly reason: string,
  ) {
    super(
      offset === undefined
        ? `${file}: ${reason}; the state files were left untouched`
        : `${file}: corrupt at byte offset ${offset}: ${reason}; the state files were left untouched`,
    );
  }
}

export interface StateFileOptions {
  /** Cut an incomplete final WAL record (keeping a copy) instead of refusing to start. */
  recover?: boolean;
  compactBytes?: number;
}

export interface LoadReport {
  nodes: number;
  walBatches: number;
  /** Set when `recover` cut an incomplete WAL tail: where, and the copy kept. */
  recovered?: { offset: number; copy: string };
}

export class XsStateFile {
  private walFd = -1;
  private walBytes = 0;
  private epoch = 0;
  readonly walPath: string;

  constructor(
    readonly path: string,
    private readonly opts: StateFileOptions = {},
  ) {
    this.walPath = `${path}.wal`;
  }

  /**
   * Loads the snapshot and WAL into `xs` (replacing its tree), or writes the initial
   * files when there are none, then opens the WAL for appending.
   */
  open(xs: Xenstored): LoadReport {
    const report: LoadReport = { nodes: 0, walBatches: 0 };
    if (!existsSync(this.path)) {
      if (existsSync(this.walPath)) {
        throw new XsStateError(
          this.walPath,
          undefined,
          `a write-ahead log exists without its snapshot ${this.path}`,
        );
      }
      this.epoch = 0;
      this.writeSnapshot(xs, this.epoch);
      this.writeEmptyWal(this.epoch);
    } else {
      const nodes = new Map<string, XsNode>();
      this.epoch = readSnapshot(this.path, nodes);
      if (existsSync(this.walPath)) report.walBatches = this.readWal(nodes, report);
      const problem = installTree(xs, nodes);
      if (problem)
        throw new XsStateError(this.path, undefined, `the stored tree is inconsistent: ${problem}`);
    }
    report.nodes = xs.nodes.size;
    this.walFd = openSync(this.walPath, "a");
    this.walBytes = readFileSync(this.walPath).length;
    xs.journal = [];
    xs.onCommit = (entries) => this.append(xs, entries);
    return report;
  }

  /** Appends one batch and makes it durable (called before replies are delivered). */
  append(xs: Xenstored, entries: readonly XsJournalEntry[]): void {
    if (entries.length === 0) return;
    const body = encodeBatch(entries);
    const rec = record(body);
    writeAll(this.walFd, rec);
    fdatasyncSync(this.walFd);
    this.walBytes += rec.length;
    if (this.walBytes > (this.opts.compactBytes ?? DEFAULT_COMPACT_BYTES)) this.compact(xs);
  }

  /** Folds the WAL into a new snapshot (atomic renames, next epoch). */
  compact(xs: Xenstored): void {
    const next = this.epoch + 1;
    this.writeSnapshot(xs, next);
    if (this.walFd >= 0) closeSync(this.walFd);
    this.writeEmptyWal(next);
    this.epoch = next;
    this.walFd = openSync(this.walPath, "a");
    this.walBytes = HEADER;
  }

  /** Compacts and closes (a clean shutdown leaves an empty WAL). */
  close(xs: Xenstored): void {
    if (this.walFd < 0) return;
    this.compact(xs);
    closeSync(this.walFd);
    this.walFd = -1;
    xs.onCommit = undefined;
    xs.journal = undefined;
  }

  private writeSnapshot(xs: Xenstored, epoch: number): void {
    const parts: Buffer[] = [header(SNAP_MAGIC, epoch)];
    for (const [name, node] of xs.nodes) parts.push(record(encodeEntries([{ op: "put", name, node }])));
    atomicWrite(this.path, Buffer.concat(parts));
  }

  private writeEmptyWal(epoch: number): void {
    atomicWrite(this.walPath, header(WAL_MAGIC, epoch));
  }

  /** Replays the WAL onto `nodes`; returns the number of batches applied. */
  private readWal(nodes: Map<string, XsNode>, report: LoadReport): number {
    const file = this.walPath;
    const buf = readFileSync(file);
    const epoch = readHeader(file, buf, WAL_MAGIC);
    if (epoch < this.epoch) return 0; // already folded into the snapshot
    if (epoch > this.epoch) {
      throw new XsStateError(file, 8 + 4, `log epoch ${epoch} is newer than the snapshot's ${this.epoch}`);
    }
    let off = HEADER;
    let batches = 0;
    while (off < buf.length) {
      const rec = readRecord(file, buf, off);
      if (rec === "torn") {
        if (!this.opts.recover) {
          throw new XsStateError(
            file,
            off,
            `the last record is incomplete (${buf.length - off} bytes; a batch was being written when the daemon stopped, so it was never acknowledged); run again with --recover to cut it off (a copy of the log is kept)`,
          );
        }
        const copy = `${file}.torn-at-${off}`;
        copyFileSync(file, copy);
        const fd = openSync(file, "r+");
        ftruncateSync(fd, off);
        fsyncSync(fd);
        closeSync(fd);
        report.recovered = { offset: off, copy };
        break;
      }
      applyBatch(file, off, rec.body, nodes);
      off = rec.next;
      batches++;
    }
    return batches;
  }
}

// ---- Encoding ----

function header(magic: Buffer, epoch: number): Buffer {
  const h = Buffer.alloc(HEADER);
  magic.copy(h, 0);
  h.writeUInt32LE(VERSION, 8);
  h.writeUInt32LE(epoch >>> 0, 12);
  return h;
}

function record(body: Buffer): Buffer {
  const r = Buffer.allocUnsafe(8 + body.length);
  r.writeUInt32LE(body.length, 0);
  r.writeUInt32LE(crc32(body) >>> 0, 4);
  body.copy(r, 8);
  return r;
}

function encodeBatch(entries: readonly XsJournalEntry[]): Buffer {
  const inner = encodeEntries(entries);
  const b = Buffer.allocUnsafe(5 + inner.length);
  b[0] = KIND_BATCH;
  b.writeUInt32LE(entries.length, 1);
  inner.copy(b, 5);
  return b;
}

function encodeEntries(entries: readonly XsJournalEntry[]): Buffer {
  let size = 0;
  for (const e of entries) {
    size += 3 + e.name.length;
    if (e.op === "put") {
      size += 2 + 5 * e.node.perms.length + 4 + e.node.value.length + 2;
      for (const c of e.node.children) size += 2 + c.length;
    }
  }
  const b = Buffer.allocUnsafe(size);
  let o = 0;
  for (const e of entries) {
    b[o++] = e.op === "put" ? KIND_PUT : KIND_DEL;
    o = b.writeUInt16LE(e.name.length, o);
    o += b.write(e.name, o, "latin1");
    if (e.op !== "put") continue;
    const n = e.node;
    o = b.writeUInt16LE(n.perms.length, o);
    for (const p of n.perms) {
      o = b.writeUInt32LE(p.id >>> 0, o);
      b[o++] = p.bits;
    }
    o = b.writeUInt32LE(n.value.length, o);
    o += n.value.copy(b, o);
    o = b.writeUInt16LE(n.children.length, o);
    for (const c of n.children) {
      o = b.writeUInt16LE(c.length, o);
      o += b.write(c, o, "latin1");
    }
  }
  return b;
}

// ---- Decoding ----

function readHeader(file: string, buf: Buffer, magic: Buffer): number {
  if (buf.length < HEADER)
    throw new XsStateError(file, 0, `file is ${buf.length} bytes, shorter than its ${HEADER}-byte header`);
  if (!buf.subarray(0, 8).equals(magic)) {
    throw new XsStateError(
      file,
      0,
      `bad magic ${JSON.stringify(buf.toString("latin1", 0, 8))}, expected ${JSON.stringify(magic.toString("latin1"))}`,
    );
  }
  const v = buf.readUInt32LE(8);
  if (v !== VERSION) throw new XsStateError(file, 8, `format version ${v}, expected ${VERSION}`);
  return buf.readUInt32LE(12);
}

function readRecord(file: string, buf: Buffer, off: number): { body: Buffer; next: number } | "torn" {
  if (buf.length - off < 8) return "torn";
  const len = buf.readUInt32LE(off);
  const end = off + 8 + len;
  if (end > buf.length) return "torn";
  const body = buf.subarray(off + 8, end);
  const want = buf.readUInt32LE(off + 4);
  const got = crc32(body) >>> 0;
  if (want !== got) {
    throw new XsStateError(
      file,
      off,
      `record checksum 0x${got.toString(16)} does not match the stored 0x${want.toString(16)}`,
    );
  }
  return { body, next: end };
}

function readSnapshot(file: string, nodes: Map<string, XsNode>): number {
  const buf = readFileSync(file);
  const epoch = readHeader(file, buf, SNAP_MAGIC);
  let off = HEADER;
  while (off < buf.length) {
    const rec = readRecord(file, buf, off);
    if (rec === "torn")
      throw new XsStateError(file, off, "the snapshot ends inside a record (truncated file)");
    const r = new Reader(file, rec.body, off + 8);
    applyEntry(r, nodes);
    if (!r.done()) throw new XsStateError(file, off + 8 + r.pos, "extra bytes after the node entry");
    off = rec.next;
  }
  return epoch;
}

function applyBatch(file: string, off: number, body: Buffer, nodes: Map<string, XsNode>): void {
  const r = new Reader(file, body, off + 8);
  const kind = r.u8();
  if (kind !== KIND_BATCH)
    throw new XsStateError(file, off + 8, `record kind ${kind}, expected a batch (${KIND_BATCH})`);
  const count = r.u32();
  for (let i = 0; i < count; i++) applyEntry(r, nodes);
  if (!r.done()) throw new XsStateError(file, off + 8 + r.pos, "extra bytes after the batch's entries");
}

function applyEntry(r: Reader, nodes: Map<string, XsNode>): void {
  const at = r.pos;
  const kind = r.u8();
  const name = r.str(r.u16());
  if (!/^(\/|@)[A-Za-z0-9\-/_@]*$/.test(name)) r.fail(at, `invalid node name ${JSON.stringify(name)}`);
  if (kind === KIND_DEL) {
    nodes.delete(name);
    return;
  }
  if (kind !== KIND_PUT) r.fail(at, `entry kind ${kind}, expected put (1) or delete (2)`);
  const nPerms = r.u16();
  if (nPerms === 0) r.fail(at, `node ${name} has no permissions`);
  const perms: XsPerm[] = [];
  for (let i = 0; i < nPerms; i++) perms.push({ id: r.u32(), bits: r.u8() });
  const value = Buffer.from(r.bytes(r.u32()));
  const nChildren = r.u16();
  const children: string[] = [];
  let childBytes = 0;
  for (let i = 0; i < nChildren; i++) {
    const c = r.str(r.u16());
    children.push(c);
    childBytes += c.length + 1;
  }
  nodes.set(name, makeNode(value, perms, children, childBytes, 0));
}

class Reader {
  pos = 0;
  constructor(
    private readonly file: string,
    private readonly buf: Buffer,
    private readonly base: number,
  ) {}
  fail(at: number, why: string): never {
    throw new XsStateError(this.file, this.base + at, why);
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length)
      this.fail(this.pos, `entry runs past the end of its record (needs ${n} more bytes)`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  str(n: number): string {
    return this.bytes(n).toString("latin1");
  }
  done(): boolean {
    return this.pos === this.buf.length;
  }
}

/** Replaces xs's tree with `nodes` (fresh generations) and checks it hangs together. */
function installTree(xs: Xenstored, nodes: Map<string, XsNode>): string | undefined {
  for (const name of [...xs.nodes.keys()]) xs.delGlobal(name);
  for (const [name, n] of nodes) {
    xs.putGlobal(name, makeNode(n.value, n.perms, n.children, n.childBytes, xs.nextGeneration()));
  }
  if (!xs.nodes.has("/")) return "there is no root node";
  return checkStore(xs);
}

// ---- Files ----

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

/** Write to `path.tmp`, fsync, rename over `path`, fsync the directory. */
function atomicWrite(path: string, data: Buffer): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeAll(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dfd = openSync(dirname(path), "r");
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}
