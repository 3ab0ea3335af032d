/** Names and permission strings, as xenstored validates and prints them. */
import { describe, expect, it } from "vitest";
import { canonicalize, depthBelow, isChild, localPrefixLength, parentOf } from "./xs-path.js";
import {
  formatPerm,
  PERM_IGNORE,
  PERM_OWNER,
  PERM_READ,
  PERM_WRITE,
  parsePerm,
  permForConn,
} from "./xs-perms.js";

describe("node names", () => {
  it("canonicalizes relative names under the connection's home and checks the rules", () => {
    const home = "/local/domain/5";
    expect(canonicalize("data/x", home, false)).toBe("/local/domain/5/data/x");
    expect(canonicalize("/", home, false)).toBe("/");
    expect(canonicalize("@releaseDomain", home, true)).toBe("@releaseDomain");
    for (const bad of ["@releaseDomain", "/a//b", "/a/", "", "/a b", "/a\u0000"]) {
      expect(canonicalize(bad, home, false), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it("does not count /local/domain/<id>/ against path-max (sscanf %5u)", () => {
    expect(localPrefixLength("/local/domain/12345/x")).toBe("/local/domain/12345/".length);
    expect(localPrefixLength("/local/domain/123456/x")).toBe(0);
    expect(localPrefixLength("/local/domain/7")).toBe(0);
    expect(canonicalize(`/local/domain/7/${"a".repeat(10)}`, "/", false, 10)).toBeDefined();
    expect(canonicalize(`/local/domain/7/${"a".repeat(11)}`, "/", false, 10)).toBeUndefined();
  });

  it("knows parents, children and depth", () => {
    expect(parentOf("/a/b")).toBe("/a");
    expect(parentOf("/a")).toBe("/");
    expect(parentOf("@releaseDomain")).toBe("/");
    expect(isChild("/a/b", "/a")).toBe(true);
    expect(isChild("/ab", "/a")).toBe(false);
    expect(isChild("/anything", "/")).toBe(true);
    expect(depthBelow("/a/b/c", "/a")).toBe(2);
    expect(depthBelow("/a", "/")).toBe(1);
  });
});

describe("permission strings", () => {
  it("parses letters and strtol(…, 0) numbers; formats with %i", () => {
    expect(parsePerm("r5")).toEqual({ id: 5, bits: PERM_READ });
    expect(parsePerm("b0x10")).toEqual({ id: 16, bits: PERM_READ | PERM_WRITE });
    expect(parsePerm("w010")).toEqual({ id: 8, bits: PERM_WRITE });
    expect(parsePerm("n-1")).toEqual({ id: 0xffffffff, bits: 0 });
    for (const bad of ["", "r", "x1", "r1x", "r08", "r0x"]) expect(parsePerm(bad), bad).toBeUndefined();
    expect(formatPerm({ id: 0xffffffff, bits: PERM_READ })).toBe("r-1");
    expect(formatPerm({ id: 3, bits: PERM_WRITE | PERM_IGNORE })).toBe("w3");
  });

  it("decides access: owner and privileged get everything, listed entries, else the default", () => {
    const perms = [
      { id: 5, bits: PERM_READ },
      { id: 6, bits: PERM_WRITE },
      { id: 7, bits: PERM_READ | PERM_IGNORE },
    ];
    const all = PERM_READ | PERM_WRITE | PERM_OWNER;
    expect(permForConn(perms, 5, false, undefined)).toBe(all);
    expect(permForConn(perms, 0, true, undefined)).toBe(all);
    expect(permForConn(perms, 6, false, undefined)).toBe(PERM_WRITE);
    expect(permForConn(perms, 7, false, undefined)).toBe(PERM_READ); // ignored entry: default applies
    expect(permForConn(perms, 9, false, 5)).toBe(all); // target of the owner
  });
});
