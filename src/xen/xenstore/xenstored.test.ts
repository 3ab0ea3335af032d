/**
 * The daemon core through the in-process API: tree, permissions, quotas, transactions,
 * watches, special watches and domain lifecycle. Expected answers are C xenstored's
 * (Xen 4.17 xenstored_core.c, _transaction.c, _watch.c, _domain.c); the dom0 cases were
 * also checked against Debian's C xenstored (see README, "Validation").
 */
import { describe, expect, it } from "vitest";
import { Xenstored } from "./xenstored.js";
import type { XsConnection } from "./xs-connection.js";
import { checkStore } from "./xs-domain-ops.js";
import * as ops from "./xs-ops.js";

function setup(opts: ConstructorParameters<typeof Xenstored>[0] = {}) {
  const xs = new Xenstored({ domains: [5, 6], ...opts });
  const events: Array<[string, string, string]> = [];
  const conn = (domid: number, name: string): XsConnection => {
    const c = xs.connect(domid);
    c.onWatchEvent = (p, t) => events.push([name, p, t]);
    return c;
  };
  const d0 = conn(0, "d0");
  return { xs, d0, conn, events };
}

/** The toolstack gives domain `domid` its home directory, as libxl does (n<domid> would be owner). */
function home(d0: XsConnection, domid: number): void {
  expect(d0.mkdir(`/local/domain/${domid}`)).toBeUndefined();
  expect(d0.setPerms(`/local/domain/${domid}`, ["n0", `r${domid}`])).toBeUndefined();
  expect(d0.mkdir(`/local/domain/${domid}/data`)).toBeUndefined();
  expect(d0.setPerms(`/local/domain/${domid}/data`, [`n${domid}`])).toBeUndefined();
}

describe("the tree", () => {
  it("starts with /tool/xenstored and the @special nodes, all n0", () => {
    const { d0 } = setup();
    expect(d0.directory("/")).toEqual(["tool"]);
    expect(d0.directory("/tool")).toEqual(["xenstored"]);
    expect(d0.getPerms("/")).toEqual(["n0"]);
    expect(d0.getPerms("@introduceDomain")).toBe("EINVAL"); // 4.17 has no GET_PERMS on specials
  });

  it("writes create missing parents with empty values; DIRECTORY lists children in creation order", () => {
    const { d0 } = setup();
    expect(d0.write("/a/b/c", "v")).toBeUndefined();
    expect(d0.readString("/a/b/c")).toBe("v");
    expect(d0.readString("/a/b")).toBe("");
    d0.write("/a/z", "1");
    d0.write("/a/m", "2");
    expect(d0.directory("/a")).toEqual(["b", "z", "m"]);
  });

  it("mkdir of an existing node succeeds and changes nothing", () => {
    const { d0 } = setup();
    d0.write("/a", "keep");
    expect(d0.mkdir("/a")).toBeUndefined();
    expect(d0.readString("/a")).toBe("keep");
  });

  it("rm removes a subtree; a missing node is fine only if its parent exists; / cannot go", () => {
    const { d0 } = setup();
    d0.write("/a/b/c", "v");
    expect(d0.rm("/a/b")).toBeUndefined();
    expect(d0.read("/a/b/c")).toBe("ENOENT");
    expect(d0.directory("/a")).toEqual([]);
    expect(d0.rm("/a/nope")).toBeUndefined();
    expect(d0.rm("/a/nope/deeper")).toBe("ENOENT");
    expect(d0.rm("/")).toBe("EINVAL");
  });

  it("rejects bad names with EINVAL", () => {
    const { d0 } = setup();
    for (const p of ["", "/a//b", "/a/", "/a b", "/a\u00e9", "@x", `/${"x".repeat(2049)}`]) {
      expect(d0.read(p), p).toBe("EINVAL");
    }
    // path-max counts below /local/domain/<id>/ only
    expect(d0.read(`/local/domain/1/${"x".repeat(2048)}`)).toBe("ENOENT");
    expect(d0.read(`/local/domain/1/${"x".repeat(2049)}`)).toBe("EINVAL");
  });

  it("resolves relative paths under the connection's /local/domain/<id>", () => {
    const { d0, conn } = setup();
    home(d0, 5);
    const g = conn(5, "g5");
    expect(g.write("data/x", "1")).toBeUndefined();
    expect(d0.readString("/local/domain/5/data/x")).toBe("1");
  });

  it("DIRECTORY of a list longer than the payload limit is E2BIG; DIRECTORY_PART pages through it", () => {
    const { xs, d0 } = setup();
    const names = Array.from({ length: 300 }, (_, i) => `child-number-${String(i).padStart(4, "0")}`);
    for (const n of names) d0.write(`/big/${n}`, "");
    expect(d0.directory("/big")).toBe("E2BIG");
    const collected: string[] = [];
    let off = 0;
    for (;;) {
      const r = dirPart(xs, d0, "/big", off);
      const [, ...rest] = r.toString("latin1").split("\0");
      const end = r[r.length - 1] === 0 && r[r.length - 2] === 0;
      const items = rest.filter((s) => s.length > 0);
      collected.push(...items);
      off += items.reduce((s, x) => s + x.length + 1, 0);
      if (end) break;
    }
    expect(collected).toEqual(names);
  });
});

function dirPart(xs: Xenstored, c: XsConnection, path: string, off: number): Buffer {
  const r = xs.request(c, 0, (tx) => ops.directoryPart(c, tx, path, String(off)));
  if (typeof r === "string") throw new Error(r);
  return r;
}

describe("permissions", () => {
  it("a guest cannot read dom0's nodes; a missing node under an unreadable parent is EACCES, not ENOENT", () => {
    const { d0, conn } = setup();
    d0.write("/secret/x", "1");
    const g = conn(5, "g5");
    expect(g.read("/secret/x")).toBe("EACCES");
    expect(g.read("/secret/none")).toBe("EACCES");
    home(d0, 5);
    expect(g.read("/local/domain/5/none")).toBe("ENOENT");
  });

  it("a node a guest creates inherits its parent's permissions with the guest as owner", () => {
    const { d0, conn } = setup();
    home(d0, 5);
    d0.setPerms("/local/domain/5/data", ["n5", "r6"]);
    const g = conn(5, "g5");
    expect(g.write("/local/domain/5/data/k/v", "1")).toBeUndefined();
    expect(d0.getPerms("/local/domain/5/data/k/v")).toEqual(["n5", "r6"]);
    expect(d0.getPerms("/local/domain/5/data/k")).toEqual(["n5", "r6"]);
    expect(conn(6, "g6").readString("/local/domain/5/data/k/v")).toBe("1");
  });

  it("the first entry's letter is everyone else's access; listed domains get theirs", () => {
    const { d0, conn } = setup();
    d0.write("/p", "v");
    d0.setPerms("/p", ["r0", "n6"]);
    expect(conn(5, "g5").readString("/p")).toBe("v");
    expect(conn(6, "g6").read("/p")).toBe("EACCES");
    expect(conn(5, "g5").write("/p", "x")).toBe("EACCES");
  });

  it("only the owner changes permissions and a guest may not give a node away (EPERM)", () => {
    const { d0, conn } = setup();
    home(d0, 5);
    const g5 = conn(5, "g5");
    g5.write("data/mine", "1");
    expect(conn(6, "g6").setPerms("/local/domain/5/data/mine", ["n6"])).toBe("EACCES");
    expect(g5.setPerms("data/mine", ["n5", "r6"])).toBeUndefined();
    expect(g5.setPerms("data/mine", ["n6"])).toBe("EPERM");
    expect(d0.setPerms("/local/domain/5/data/mine", ["n6"])).toBeUndefined();
  });

  it("entries naming unknown domains are kept but ignored; an unknown owner is ENOENT", () => {
    const { d0, conn } = setup();
    d0.write("/q", "v");
    expect(d0.setPerms("/q", ["n0", "r7"])).toBeUndefined();
    expect(d0.getPerms("/q")).toEqual(["n0", "r7"]);
    expect(d0.setPerms("/q", ["n7"])).toBe("ENOENT");
    // domain 7 appears later: it does not inherit the ignored entry
    const xs = d0.store;
    xs.domainCreated(7);
    expect(conn(7, "g7").read("/q")).toBe("EACCES");
  });

  it("malformed permission strings are EINVAL", () => {
    const { d0 } = setup();
    d0.write("/q", "v");
    for (const bad of [["x0"], ["r"], ["r0x"], ["n0", "b"], ["n 0 "]])
      expect(d0.setPerms("/q", bad), bad.join()).toBe("EINVAL");
    expect(d0.setPerms("/q", [])).toBe("EINVAL");
    // strtol(…, 0): hex and octal ids are accepted
    expect(d0.setPerms("/q", ["n0", "r0x5", "b06"])).toBeUndefined();
    expect(d0.getPerms("/q")).toEqual(["n0", "r5", "b6"]);
  });
});

describe("quotas (guests only)", () => {
  it("nodes: creating beyond the quota is ENOSPC", () => {
    const { d0, conn } = setup({ quotas: { nodes: 3 } });
    home(d0, 5);
    const g = conn(5, "g5");
    // data is owned by 5 already (1 node); two more fit, the third does not
    expect(g.write("data/a", "1")).toBeUndefined();
    expect(g.write("data/b", "1")).toBeUndefined();
    expect(g.write("data/c", "1")).toBe("ENOSPC");
    expect(d0.write("/local/domain/5/data/c", "1")).toBeUndefined(); // dom0 is exempt
  });

  it("node-size: a node of quota bytes or more is ENOSPC (24-byte header + 8 per permission + value)", () => {
    const { d0, conn } = setup();
    home(d0, 5);
    const g = conn(5, "g5");
    // 24 + 8 * 1 + 2015 = 2047 < 2048: fits; one byte more does not
    expect(g.write("data/v", "x".repeat(2015))).toBeUndefined();
    expect(g.write("data/v", "x".repeat(2016))).toBe("ENOSPC");
  });

  it("watches: quota + 1 fit, then E2BIG", () => {
    const { d0, conn } = setup({ quotas: { watches: 2 } });
    home(d0, 5);
    const g = conn(5, "g5");
    expect(g.watch("data", "a")).toBeUndefined();
    expect(g.watch("data", "b")).toBeUndefined();
    expect(g.watch("data", "c")).toBeUndefined();
    expect(g.watch("data", "d")).toBe("E2BIG");
  });

  it("transactions: quota + 1 open, then ENOSPC", () => {
    const { conn } = setup({ quotas: { transactions: 1 } });
    const g = conn(5, "g5");
    expect(g.transactionStart()).toBe(1);
    expect(g.transactionStart()).toBe(2);
    expect(g.transactionStart()).toBe("ENOSPC");
  });

  it("permissions: more entries than the quota is ENOSPC", () => {
    const { d0, conn } = setup({ quotas: { permissions: 2 } });
    home(d0, 5);
    const g = conn(5, "g5");
    g.write("data/p", "1");
    expect(g.setPerms("data/p", ["n5", "r0", "r6"])).toBe("ENOSPC");
  });

  it("transaction-nodes: touching too many nodes fails with ENOSPC and dooms the transaction (ENOMEM at commit)", () => {
    const { d0, conn } = setup({ quotas: { transactionNodes: 4 } });
    home(d0, 5);
    const g = conn(5, "g5");
    const tx = g.transactionStart() as number;
    for (let i = 0; i < 3; i++) g.read(`data/k${i}`, tx);
    expect(g.read("data/k9", tx)).toBe("ENOSPC");
    expect(g.transactionEnd(tx, true)).toBe("ENOMEM");
  });
});

describe("transactions", () => {
  it("a node read in a transaction and changed outside makes the commit fail with EAGAIN", () => {
    const { d0 } = setup();
    d0.write("/t/x", "1");
    const tx = d0.transactionStart() as number;
    expect(d0.readString("/t/x", tx)).toBe("1");
    d0.write("/t/z", "new", tx);
    d0.write("/t/x", "2");
    expect(d0.readString("/t/x", tx)).toBe("1"); // repeatable read
    expect(d0.read("/t/z")).toBe("ENOENT"); // not visible before commit
    expect(d0.transactionEnd(tx, true)).toBe("EAGAIN");
    expect(d0.read("/t/z")).toBe("ENOENT");
  });

  it("disjoint changes commit; reading a node absent then created outside conflicts", () => {
    const { d0, conn } = setup();
    const other = conn(0, "other");
    d0.write("/t/x", "1");
    d0.write("/t/y", "1");
    let tx = d0.transactionStart() as number;
    d0.write("/t/y", "tx", tx);
    other.write("/t/x", "3");
    expect(d0.transactionEnd(tx, true)).toBeUndefined();
    expect(d0.readString("/t/y")).toBe("tx");
    tx = d0.transactionStart() as number;
    expect(d0.read("/t/q", tx)).toBe("ENOENT");
    other.write("/t/q", "b");
    d0.write("/t/y", "zz", tx);
    expect(d0.transactionEnd(tx, true)).toBe("EAGAIN");
  });

  it("ids start at 1 per connection; an ended or unknown transaction is ENOENT; nesting is EBUSY", () => {
    const { d0, conn } = setup();
    expect(d0.transactionStart()).toBe(1);
    expect(conn(0, "b").transactionStart()).toBe(1);
    expect(d0.transactionEnd(1, false)).toBeUndefined();
    expect(d0.transactionEnd(1, true)).toBe("ENOENT");
    expect(d0.read("/", 99)).toBe("ENOENT");
    const tx = d0.transactionStart() as number;
    expect(d0.store.request(d0, tx, (t) => ops.transactionStart(d0, t))).toBe("EBUSY");
  });

  it("watches fire at commit, not before, and not at all on abort", () => {
    const { d0, conn, events } = setup();
    d0.write("/t/x", "1");
    const w = conn(0, "w");
    w.watch("/t", "T");
    events.length = 0;
    let tx = d0.transactionStart() as number;
    d0.write("/t/w1", "a", tx);
    d0.write("/t/w1", "b", tx);
    d0.rm("/t/x", tx);
    expect(events).toEqual([]);
    expect(d0.transactionEnd(tx, true)).toBeUndefined();
    expect(events).toEqual([
      ["w", "/t/w1", "T"],
      ["w", "/t/x", "T"],
    ]);
    events.length = 0;
    tx = d0.transactionStart() as number;
    d0.write("/t/w2", "a", tx);
    d0.transactionEnd(tx, false);
    expect(events).toEqual([]);
  });

  it("inTransaction retries on EAGAIN like libxl", () => {
    const { d0, conn } = setup();
    const other = conn(0, "o");
    d0.write("/c", "0");
    let tries = 0;
    const err = d0.inTransaction((tx) => {
      tries++;
      const v = Number(d0.readString("/c", tx));
      if (tries === 1) other.write("/c", "10");
      return d0.write("/c", String(v + 1), tx);
    });
    expect(err).toBeUndefined();
    expect(tries).toBe(2);
    expect(d0.readString("/c")).toBe("11");
  });
});

describe("watches", () => {
  it("fire once on registration, then for the node and its descendants", () => {
    const { d0, conn, events } = setup();
    const w = conn(0, "w");
    expect(w.watch("/a", "tok")).toBeUndefined();
    expect(w.watch("/a", "tok")).toBe("EEXIST");
    d0.write("/a/b/c", "1");
    d0.write("/ab", "1"); // not below /a
    expect(events).toEqual([
      ["w", "/a", "tok"],
      ["w", "/a/b/c", "tok"],
    ]);
    expect(w.unwatch("/a", "tok")).toBeUndefined();
    expect(w.unwatch("/a", "tok")).toBe("ENOENT");
  });

  it("rm fires children first, each only on watches of exactly that node, the root normally", () => {
    // /t/s/u/v has no watch of its own: nothing for it; /t/s/u matches "D" exactly;
    // the root of the removal, /t/s, reaches the watch on its ancestor /t.
    const { d0, conn, events } = setup();
    d0.write("/t/s/u/v", "");
    const w = conn(0, "w");
    w.watch("/t", "T");
    w.watch("/t/s/u", "D");
    events.length = 0;
    d0.rm("/t/s");
    expect(events).toEqual([
      ["w", "/t/s/u", "D"],
      ["w", "/t/s", "T"],
    ]);
  });

  it("a relative watch gets relative event paths", () => {
    const { d0, conn, events } = setup();
    home(d0, 5);
    const g = conn(5, "g");
    g.watch("data", "R");
    g.write("data/k", "1");
    expect(events).toEqual([
      ["g", "data", "R"],
      ["g", "data/k", "R"],
    ]);
  });

  it("a guest is not told about nodes it can read neither the node nor its parent of", () => {
    const { d0, conn, events } = setup();
    const g = conn(5, "g");
    g.watch("/", "all");
    events.length = 0;
    d0.write("/hidden/deeper", "1"); // parent /hidden is n0: no event
    d0.write("/pub", "1");
    d0.setPerms("/pub", ["r0"]);
    expect(events).toEqual([["g", "/pub", "all"]]);
  });

  it("depth limits the levels that fire (unstable version)", () => {
    const { xs, d0 } = setup({ version: "unstable" });
    const seen: string[] = [];
    const w = xs.connect(0, { event: (p) => seen.push(p) });
    w.watch("/a", "t", 1);
    d0.write("/a/b", "");
    d0.write("/a/b/c", "");
    expect(seen).toEqual(["/a", "/a/b"]);
  });
});

describe("domains and the special watches", () => {
  it("INTRODUCE fires @introduceDomain once; RELEASE fires @releaseDomain and removes the domain's nodes", () => {
    const { xs, d0, conn, events } = setup();
    const w = conn(0, "w");
    w.watch("@introduceDomain", "I");
    w.watch("@releaseDomain", "R");
    events.length = 0;
    home(d0, 5);
    const g = conn(5, "g");
    g.write("data/x", "1");
    expect(d0.introduceDomain(5, 123, 4)).toBeUndefined();
    expect(d0.introduceDomain(5, 123, 4)).toBeUndefined();
    expect(d0.isDomainIntroduced(5)).toBe(true);
    expect(events).toEqual([["w", "@introduceDomain", "I"]]);
    events.length = 0;
    expect(d0.releaseDomain(5)).toBeUndefined();
    expect(events).toEqual([["w", "@releaseDomain", "R"]]);
    expect(d0.read("/local/domain/5/data")).toBe("ENOENT"); // owned by 5: gone
    expect(d0.readString("/local/domain/5")).toBe(""); // owned by dom0: stays
    expect(g.closed).toBe(true);
    expect(d0.isDomainIntroduced(5)).toBe(false);
    expect(d0.releaseDomain(5)).toBe("ENOENT");
    expect(d0.releaseDomain(0)).toBe("EINVAL");
    expect(checkStore(xs)).toBeUndefined();
  });

  it("only the privileged domain may introduce or release (EACCES)", () => {
    const { conn } = setup();
    const g = conn(5, "g");
    expect(g.introduceDomain(6, 1, 1)).toBe("EACCES");
    expect(g.releaseDomain(6)).toBe("EACCES");
  });

  it("a shutdown fires @releaseDomain once until RESUME; destruction fires it again", () => {
    const { xs, d0, conn, events } = setup();
    d0.introduceDomain(5, 1, 1);
    const w = conn(0, "w");
    w.watch("@releaseDomain", "R");
    events.length = 0;
    xs.domainShutdown(5);
    xs.domainShutdown(5);
    expect(events).toHaveLength(1);
    expect(d0.resumeDomain(5)).toBeUndefined();
    xs.domainShutdown(5);
    xs.domainDestroyed(5);
    expect(events).toHaveLength(3);
    expect(xs.domains.exists(5)).toBe(false);
  });

  it("a guest sees @releaseDomain only when the node's permissions let it", () => {
    const { d0, conn, events } = setup();
    d0.introduceDomain(6, 1, 1);
    const g = conn(5, "g");
    g.watch("@releaseDomain", "R");
    events.length = 0;
    d0.releaseDomain(6);
    expect(events).toEqual([]);
    d0.introduceDomain(6, 1, 1);
    expect(d0.setPerms("@releaseDomain", ["n0", "r5"])).toBeUndefined();
    events.length = 0; // the permission change itself is an event on the node
    d0.releaseDomain(6);
    expect(events).toEqual([["g", "@releaseDomain", "R"]]);
  });

  it("GET_DOMAIN_PATH names /local/domain/<id>", () => {
    const { d0 } = setup();
    expect(d0.getDomainPath(7)).toBe("/local/domain/7");
  });
});
