/**
 * Malformed input on the wire: each case gets Xen's error reply or a dropped
 * connection, never a crash, and leaves the tree unchanged. Source for the expected
 * answers: Xen `tools/xenstored/core.c` (process_message, handle_input, onearg,
 * canonicalize) and the differential run against Debian's C xenstored (README).
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Xenstored } from "./xenstored.js";
import { XsProtocolError } from "./xs-parser.js";
import { replyText, XsSocketClient } from "./xs-socket-client.js";
import { XsSocketServer } from "./xs-socket-server.js";
import { encodeMessage, XsType } from "./xs-wire.js";
import { treeSnapshot, XsWireHarness } from "./xs-wire-harness.js";

const NUL = (...s: string[]) => Buffer.from(s.map((x) => `${x}\0`).join(""), "latin1");

function setup() {
  const xs = new Xenstored({ domains: [5] });
  const h = new XsWireHarness(xs);
  h.feed(encodeMessage(XsType.WRITE, 1, 0, Buffer.concat([NUL("/a/b"), Buffer.from("v")])));
  h.take();
  return { xs, h };
}

/** Sends one request and returns "TYPE payload" of the single reply. */
function ask(h: XsWireHarness, type: number, payload: Buffer, reqId = 42, txId = 0): string {
  h.feed(encodeMessage(type, reqId, txId, payload));
  const f = h.take().filter((m) => m.type !== XsType.WATCH_EVENT);
  expect(f).toHaveLength(1);
  expect(f[0].reqId).toBe(reqId);
  expect(f[0].txId).toBe(txId);
  const name = f[0].type === XsType.ERROR ? "ERROR" : String(f[0].type);
  return `${name} ${f[0].payload.toString("latin1").replace(/\0/g, "|")}`;
}

function expectUnchanged(xs: Xenstored, before: string, h: XsWireHarness): void {
  expect(treeSnapshot(xs)).toBe(before);
  expect(ask(h, XsType.READ, NUL("/a/b"))).toBe(`${XsType.READ} v`); // still serving
}

describe("framing", () => {
  it("a truncated header gets no reply and is completed by the next read", () => {
    const { xs, h } = setup();
    const before = treeSnapshot(xs);
    const msg = encodeMessage(XsType.READ, 9, 0, NUL("/a/b"));
    h.feed(msg.subarray(0, 10));
    expect(h.take()).toEqual([]);
    expect(h.parser.pending).toBe(10);
    h.feed(msg.subarray(10));
    expect(h.take().map((m) => m.payload.toString())).toEqual(["v"]);
    expectUnchanged(xs, before, h);
  });

  it("a message split in many pieces and several messages in one read both work", () => {
    const { h } = setup();
    const one = encodeMessage(XsType.READ, 1, 0, NUL("/a/b"));
    for (const byte of one) h.feed(Buffer.from([byte]));
    h.feed(Buffer.concat([one, one, one]));
    expect(h.take()).toHaveLength(4);
  });

  it("a length over 4096 is a protocol error (the connection is dropped) and changes nothing", () => {
    const { xs, h } = setup();
    const before = treeSnapshot(xs);
    const hdr = Buffer.alloc(16);
    hdr.writeUInt32LE(XsType.WRITE, 0);
    hdr.writeUInt32LE(4097, 12);
    expect(() => h.feed(hdr)).toThrow(XsProtocolError);
    expect(h.take()).toEqual([]);
    expect(treeSnapshot(xs)).toBe(before);
  });

  it("exactly 4096 payload bytes are accepted", () => {
    const { h } = setup();
    const payload = Buffer.concat([NUL("/big"), Buffer.alloc(4096 - 5, 0x41)]);
    expect(ask(h, XsType.WRITE, payload)).toBe(`${XsType.WRITE} OK|`);
  });
});

describe("bad requests get Xen's errors and leave the tree alone", () => {
  const cases: Array<[string, number, Buffer, string]> = [
    ["unknown type", 1000, NUL("/a"), "ENOSYS|"],
    ["type 27 (past SET_QUOTA)", 27, NUL("/a"), "ENOSYS|"],
    ["WATCH_EVENT sent to the daemon", XsType.WATCH_EVENT, NUL("/a", "t"), "ENOSYS|"],
    ["ERROR sent to the daemon", XsType.ERROR, NUL("EINVAL"), "ENOSYS|"],
    ["the removed RESTRICT", XsType.RESTRICT, NUL("1"), "ENOSYS|"],
    ["INVALID", XsType.INVALID, NUL("x"), "ENOSYS|"],
    ["GET_QUOTA on 4.17", XsType.GET_QUOTA, Buffer.alloc(0), "ENOSYS|"],
    ["READ without NUL", XsType.READ, Buffer.from("/a/b"), "EINVAL|"],
    ["READ with bytes after the NUL", XsType.READ, Buffer.from("/a/b\0x"), "EINVAL|"],
    ["READ with two strings", XsType.READ, NUL("/a/b", "x"), "EINVAL|"],
    ["READ with an empty payload", XsType.READ, Buffer.alloc(0), "EINVAL|"],
    ["WRITE without any NUL", XsType.WRITE, Buffer.from("/a/b"), "EINVAL|"],
    ["MKDIR without NUL", XsType.MKDIR, Buffer.from("/a/c"), "EINVAL|"],
    ["RM without NUL", XsType.RM, Buffer.from("/a/b"), "EINVAL|"],
    ["SET_PERMS whose entry lacks its NUL", XsType.SET_PERMS, Buffer.from("/a/b\0n0"), "EINVAL|"],
    ["SET_PERMS with no entry", XsType.SET_PERMS, NUL("/a/b"), "EINVAL|"],
    ["SET_PERMS with a bad letter", XsType.SET_PERMS, NUL("/a/b", "x0"), "EINVAL|"],
    ["SET_PERMS with no domid", XsType.SET_PERMS, NUL("/a/b", "r"), "EINVAL|"],
    ["SET_PERMS with junk after the domid", XsType.SET_PERMS, NUL("/a/b", "r0x"), "EINVAL|"],
    ["SET_PERMS with an empty entry", XsType.SET_PERMS, NUL("/a/b", ""), "EINVAL|"],
    ["SET_PERMS naming an unknown owner", XsType.SET_PERMS, NUL("/a/b", "n99"), "ENOENT|"],
    ["WATCH with one string", XsType.WATCH, NUL("/a"), "EINVAL|"],
    ["WATCH with a depth on 4.17", XsType.WATCH, NUL("/a", "t", "1"), "EINVAL|"],
    ["UNWATCH of no watch", XsType.UNWATCH, NUL("/a", "t"), "ENOENT|"],
    ["TRANSACTION_END with a bad flag", XsType.TRANSACTION_END, NUL("X"), "EINVAL|"],
    ["TRANSACTION_END outside a transaction", XsType.TRANSACTION_END, NUL("T"), "ENOENT|"],
    ["DIRECTORY_PART with one string", XsType.DIRECTORY_PART, NUL("/a"), "EINVAL|"],
    ["a path with a space", XsType.WRITE, NUL("/a/b c"), "EINVAL|"],
    ["a path with a non-ASCII byte", XsType.WRITE, Buffer.from("/a/\xe9\0v", "latin1"), "EINVAL|"],
    ["a path with //", XsType.WRITE, NUL("/a//c"), "EINVAL|"],
    ["a path ending in /", XsType.WRITE, NUL("/a/c/"), "EINVAL|"],
    ["an empty path", XsType.MKDIR, NUL(""), "EINVAL|"],
    ["a special name where none is allowed", XsType.WRITE, NUL("@introduceDomain"), "EINVAL|"],
    ["an absolute path over path-max", XsType.MKDIR, NUL(`/${"x".repeat(2048)}`), "EINVAL|"],
    ["a domain path over path-max", XsType.MKDIR, NUL(`/local/domain/5/${"x".repeat(2049)}`), "EINVAL|"],
    ["GET_DOMAIN_PATH without NUL", XsType.GET_DOMAIN_PATH, Buffer.from("1"), "EINVAL|"],
    ["INTRODUCE with two strings", XsType.INTRODUCE, NUL("5", "1"), "EINVAL|"],
    ["INTRODUCE with port 0", XsType.INTRODUCE, NUL("5", "1", "0"), "EINVAL|"],
    ["RELEASE of dom0", XsType.RELEASE, NUL("0"), "EINVAL|"],
    ["RELEASE of an unknown domain", XsType.RELEASE, NUL("77"), "ENOENT|"],
  ];
  for (const [what, type, payload, reply] of cases) {
    it(what, () => {
      const { xs, h } = setup();
      const before = treeSnapshot(xs);
      expect(ask(h, type, payload)).toBe(`ERROR ${reply}`);
      expectUnchanged(xs, before, h);
    });
  }

  it("an unknown transaction id is ENOENT for a tree request, ignored by WATCH", () => {
    const { xs, h } = setup();
    const before = treeSnapshot(xs);
    expect(ask(h, XsType.WRITE, NUL("/a/x"), 3, 77)).toBe("ERROR ENOENT|");
    expect(ask(h, XsType.WATCH, NUL("/a", "t"), 4, 77)).toBe(`${XsType.WATCH} OK|`);
    expectUnchanged(xs, before, h);
  });

  it("privileged requests from a guest are EACCES", () => {
    const { xs } = setup();
    const g = new XsWireHarness(xs, 5);
    const before = treeSnapshot(xs);
    for (const t of [
      XsType.INTRODUCE,
      XsType.RELEASE,
      XsType.RESUME,
      XsType.IS_DOMAIN_INTRODUCED,
      XsType.SET_TARGET,
      XsType.CONTROL,
    ]) {
      expect(ask(g, t, NUL("6", "1", "1"))).toBe("ERROR EACCES|");
    }
    expect(treeSnapshot(xs)).toBe(before);
  });

  it("a reply longer than the payload limit becomes E2BIG", () => {
    const { h } = setup();
    for (let i = 0; i < 300; i++)
      ask(h, XsType.MKDIR, NUL(`/wide/child-with-a-long-name-${String(i).padStart(4, "0")}`));
    expect(ask(h, XsType.DIRECTORY, NUL("/wide"))).toBe("ERROR E2BIG|");
  });
});

describe("over a real socket", () => {
  let dir = "";
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("drops a client that sends an oversized length and keeps serving the others", async () => {
    dir = mkdtempSync(join(tmpdir(), "xs-proto-"));
    const xs = new Xenstored();
    const dropped: string[] = [];
    const server = new XsSocketServer(xs, { onProtocolError: (_p, r) => dropped.push(r) });
    const path = join(dir, "s");
    await server.listen([{ path }]);
    try {
      const bad = await XsSocketClient.connect(path);
      const good = await XsSocketClient.connect(path);
      const hdr = Buffer.alloc(16);
      hdr.writeUInt32LE(XsType.READ, 0);
      hdr.writeUInt32LE(5000, 12);
      const closed = new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (bad.closed) {
            clearInterval(t);
            resolve();
          }
        }, 5);
      });
      bad.writeRaw(hdr);
      await closed;
      expect(dropped).toEqual(["payload length 5000 exceeds 4096"]);
      expect(replyText(await good.request(XsType.DIRECTORY, NUL("/")))).toBe("tool|");
      good.close();
    } finally {
      await server.close();
    }
  });
});
