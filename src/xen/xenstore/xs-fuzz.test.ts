/**
 * Fuzzing the message parser (100k inputs) and the daemon behind it (60k request
 * sequences), with fast-check.
 *
 * Properties:
 * 1. Framing: any stream of frames, cut anywhere, decodes to the same messages as the
 *    reference framing; an oversized length anywhere stops the stream with
 *    XsProtocolError exactly there, after the messages before it.
 * 2. Arbitrary bytes never raise anything but XsProtocolError, and what is decoded is
 *    consistent with the input (it accounts for a prefix of it).
 * 3. Random requests (valid, malformed, from dom0 and guests, inside and outside
 *    transactions) never throw; each gets exactly one reply echoing its req_id, whose
 *    type is the request's or ERROR with a known errno name; watch events are two
 *    strings; afterwards the tree is consistent (xenstored's check_store invariants).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Xenstored } from "./xenstored.js";
import { checkStore } from "./xs-domain-ops.js";
import { XsProtocolError, XsStreamParser } from "./xs-parser.js";
import { encodeMessage, XENSTORE_PAYLOAD_MAX, XS_ERRORS, type XsMessage, XsType } from "./xs-wire.js";
import { XsWireHarness } from "./xs-wire-harness.js";

interface Frame {
  type: number;
  reqId: number;
  txId: number;
  payload: Uint8Array;
  badLen?: number;
}

const frameArb: fc.Arbitrary<Frame> = fc.record({
  type: fc.nat({ max: 30 }),
  reqId: fc.nat(),
  txId: fc.nat({ max: 3 }),
  payload: fc.uint8Array({ maxLength: 40 }),
  badLen: fc.option(fc.integer({ min: XENSTORE_PAYLOAD_MAX + 1, max: 0xffffffff }), {
    freq: 20,
    nil: undefined,
  }),
});

function encodeFrame(f: Frame): Buffer {
  if (f.badLen === undefined) return encodeMessage(f.type, f.reqId, f.txId, Buffer.from(f.payload));
  const h = Buffer.alloc(16);
  h.writeUInt32LE(f.type, 0);
  h.writeUInt32LE(f.badLen, 12);
  return h;
}

function feedAll(bytes: Buffer, cuts: number[]): { msgs: XsMessage[]; error?: unknown } {
  const p = new XsStreamParser();
  const msgs: XsMessage[] = [];
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let prev = 0;
  try {
    for (const cut of [...points, bytes.length]) {
      if (cut < prev) continue;
      p.push(bytes.subarray(prev, cut), (m) => msgs.push({ ...m, payload: Buffer.from(m.payload) }));
      prev = cut;
    }
  } catch (e) {
    return { msgs, error: e };
  }
  return { msgs };
}

const PATHS = [
  "/a",
  "/a/b",
  "/a/b/c",
  "/",
  "/local/domain/5/data/x",
  "data/y",
  "@releaseDomain",
  "@introduceDomain",
  "/a//b",
  "/a/",
  "",
  "/x y",
  "rel",
];
const WORDS = [
  ...PATHS,
  "T",
  "F",
  "n0",
  "r5",
  "b6",
  "w0",
  "x1",
  "r",
  "5",
  "0",
  "1",
  "tok",
  "help",
  "check",
  "-1",
  "99999",
];

const stringArb = fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 6 }));
const payloadArb = fc.oneof(
  fc.array(stringArb, { maxLength: 4 }).map((ss) => Buffer.from(ss.map((s) => `${s}\0`).join(""), "latin1")),
  fc
    .tuple(fc.constantFrom(...PATHS), fc.string({ maxLength: 8 }))
    .map(([p, v]) => Buffer.from(`${p}\0${v}`, "latin1")),
  fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a)),
);
const requestArb = fc.record({
  who: fc.constantFrom(0, 0, 5, 6),
  type: fc.oneof(fc.integer({ min: 0, max: 27 }), fc.constant(1000)),
  tx: fc.constantFrom(0, 0, 0, 1, 2),
  payload: payloadArb,
});

describe("fuzzing", () => {
  it("framing matches the reference for any frames cut anywhere (60k)", () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (frames, cuts) => {
          const bytes = Buffer.concat(frames.map(encodeFrame));
          const { msgs, error } = feedAll(bytes, cuts);
          const bad = frames.findIndex((f) => f.badLen !== undefined);
          const good = bad < 0 ? frames : frames.slice(0, bad);
          // Plain comparisons: expect() per run would dominate the run time.
          if (msgs.length !== good.length)
            throw new Error(`${msgs.length} messages, expected ${good.length}`);
          good.forEach((f, i) => {
            const m = msgs[i];
            if (
              m.type !== f.type ||
              m.reqId !== f.reqId ||
              m.txId !== f.txId ||
              !m.payload.equals(Buffer.from(f.payload))
            ) {
              throw new Error(`message ${i} differs`);
            }
          });
          if (bad >= 0 ? !(error instanceof XsProtocolError) : error !== undefined)
            throw new Error(`wrong outcome: ${error}`);
        },
      ),
      { numRuns: 60_000 },
    );
  });

  it("arbitrary bytes only ever raise XsProtocolError (40k)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), fc.array(fc.nat(), { maxLength: 4 }), (arr, cuts) => {
        const bytes = Buffer.from(arr);
        const { msgs, error } = feedAll(bytes, cuts);
        if (error !== undefined) expect(error).toBeInstanceOf(XsProtocolError);
        const used = msgs.reduce((s, m) => s + 16 + m.payload.length, 0);
        expect(used).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 40_000 },
    );
  });

  it("random requests never crash the daemon and keep the tree consistent (60k)", () => {
    const known = new Set<string>(XS_ERRORS.map((e) => `${e}\0`));
    // Plain checks in the hot loop: vitest's expect() would dominate the run time.
    const fail = (why: string): never => {
      throw new Error(why);
    };
    fc.assert(
      fc.property(fc.array(requestArb, { minLength: 1, maxLength: 6 }), (reqs) => {
        const xs = new Xenstored({ domains: [5, 6] });
        const d0 = xs.connect(0);
        d0.mkdir("/local/domain/5/data");
        d0.setPerms("/local/domain/5/data", ["n5", "r6"]);
        const conns = new Map([0, 5, 6].map((d) => [d, new XsWireHarness(xs, d)]));
        reqs.forEach((r, i) => {
          const h = conns.get(r.who)!;
          if (h.conn.closed) return;
          h.feed(encodeMessage(r.type, i + 1, r.tx, r.payload));
          let replies = 0;
          for (const f of h.take()) {
            if (f.type === XsType.WATCH_EVENT) {
              if (f.payload.toString("latin1").split("\0").length !== 3) fail("malformed watch event");
              continue;
            }
            replies++;
            if (f.reqId !== i + 1) fail(`reply req_id ${f.reqId}, expected ${i + 1}`);
            if (f.type === XsType.ERROR) {
              if (!known.has(f.payload.toString("latin1")))
                fail(`unknown error ${f.payload.toString("latin1")}`);
            } else if (f.type !== r.type) fail(`reply type ${f.type} for request type ${r.type}`);
          }
          if (replies !== 1) fail(`${replies} replies to one request`);
        });
        const problem = checkStore(xs);
        if (problem) fail(problem);
      }),
      { numRuns: 60_000 },
    );
  });
});
