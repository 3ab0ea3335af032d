import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CpuMask } from "./cpumask.js";
import {
  MIGRATE_CROSS_SOCKET,
  MIGRATE_NONE,
  MIGRATE_SAME_CORE,
  MIGRATE_SAME_SOCKET,
  Topology,
} from "./topology.js";

describe("CpuMask", () => {
  it("behaves like a set of CPU numbers for every operation (against a Set reference)", () => {
    const n = 70;
    const cpus = fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: 40 });
    fc.assert(
      fc.property(cpus, cpus, fc.integer({ min: -1, max: n - 1 }), (a, b, from) => {
        const A = new Set(a);
        const B = new Set(b);
        const ma = CpuMask.of(n, a);
        const mb = CpuMask.of(n, b);
        const sorted = (s: Set<number>) => [...s].sort((x, y) => x - y);
        expect(ma.toArray()).toEqual(sorted(A));
        expect(new CpuMask(n).and(ma, mb).toArray()).toEqual(sorted(new Set(a.filter((x) => B.has(x)))));
        expect(new CpuMask(n).or(ma, mb).toArray()).toEqual(sorted(new Set([...a, ...b])));
        expect(new CpuMask(n).andNot(ma, mb).toArray()).toEqual(sorted(new Set(a.filter((x) => !B.has(x)))));
        expect(ma.weight()).toBe(A.size);
        expect(ma.intersects(mb)).toBe(a.some((x) => B.has(x)));
        expect(ma.subsetOf(mb)).toBe(a.every((x) => B.has(x)));
        const after = sorted(A).filter((x) => x > from);
        expect(ma.next(from)).toBe(after[0] ?? -1);
        expect(ma.cycle(from)).toBe(after[0] ?? sorted(A)[0] ?? -1);
      }),
    );
  });

  it("fills exactly nbits and prints Xen's cpulist", () => {
    const m = CpuMask.full(37);
    expect(m.weight()).toBe(37);
    expect(m.toList()).toBe("all");
    expect(CpuMask.of(8, [0, 1, 2, 5, 7]).toList()).toBe("0-2,5,7");
    expect(new CpuMask(8).toList()).toBe("none");
  });
});

describe("Topology", () => {
  const t = new Topology({ sockets: 2, cores: 2, threads: 2 });

  it("numbers pCPUs socket-major with SMT siblings adjacent", () => {
    expect(t.nrCpus).toBe(8);
    expect(Array.from(t.socketOf)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(t.coreOf)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(t.siblingMask[5].toArray()).toEqual([4, 5]);
    expect(t.coreMask[2].toArray()).toEqual([0, 1, 2, 3]);
    expect(t.nodeMask[1].toArray()).toEqual([4, 5, 6, 7]);
    expect(t.describe()).toBe("8 pCPUs: 2 sockets x 2 cores x 2 threads");
  });

  it("classifies migrations as same core, same socket or cross socket", () => {
    expect(t.migrationKind(3, 3)).toBe(MIGRATE_NONE);
    expect(t.migrationKind(-1, 3)).toBe(MIGRATE_NONE);
    expect(t.migrationKind(2, 3)).toBe(MIGRATE_SAME_CORE);
    expect(t.migrationKind(0, 3)).toBe(MIGRATE_SAME_SOCKET);
    expect(t.migrationKind(1, 6)).toBe(MIGRATE_CROSS_SOCKET);
  });
});
