/**
 * xl's CPULIST syntax (xl.cfg(5), `cpus=`): comma-separated items, each "all", a CPU
 * "3", a range "0-3", a NUMA node "node:1" / "nodes:0-1", any of them negated with a
 * leading "^" to remove. Items apply left to right, so "all,^7" is every CPU but 7.
 */
export interface CpuListItem {
  negate: boolean;
  kind: "all" | "cpu" | "node";
  from: number;
  to: number;
}

/** Parses the text; returns the items, or an error message naming the bad item. */
export function parseCpuList(text: string): CpuListItem[] | string {
  const items: CpuListItem[] = [];
  for (const raw of text.split(",")) {
    const item = raw.trim();
    const m = /^(\^?)(?:(all)|(?:(nodes?):)?(\d+)(?:-(\d+))?)$/.exec(item);
    if (!m)
      return `bad CPU list item "${item}": expected "all", "N", "N-M", "node:N" or "nodes:N-M", optionally negated with "^"`;
    const negate = m[1] === "^";
    if (m[2]) {
      items.push({ negate, kind: "all", from: 0, to: Number.POSITIVE_INFINITY });
      continue;
    }
    const from = Number(m[4]);
    const to = m[5] === undefined ? from : Number(m[5]);
    if (to < from) return `bad CPU range "${item}": ${to} is below ${from}`;
    items.push({ negate, kind: m[3] ? "node" : "cpu", from, to });
  }
  return items;
}

/**
 * Resolves a CPU list to the set of pCPU ids on a host with `ncpus` pCPUs, where
 * `nodeOf(cpu)` gives each pCPU's NUMA node. Returns an error message for CPUs or nodes
 * the host does not have.
 */
export function resolveCpuList(
  items: readonly CpuListItem[],
  ncpus: number,
  nodeOf: (cpu: number) => number,
): number[] | string {
  const set = new Set<number>();
  for (const it of items) {
    for (let cpu = 0; cpu < ncpus; cpu++) {
      const hit =
        it.kind === "all" ||
        (it.kind === "cpu" && cpu >= it.from && cpu <= it.to) ||
        (it.kind === "node" && nodeOf(cpu) >= it.from && nodeOf(cpu) <= it.to);
      if (hit) {
        if (it.negate) set.delete(cpu);
        else set.add(cpu);
      }
    }
    if (it.kind === "cpu" && it.to >= ncpus)
      return `CPU ${it.to} does not exist: the host has CPUs 0-${ncpus - 1}`;
  }
  return [...set].sort((a, b) => a - b);
}
