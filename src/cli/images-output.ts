/** Terminal output of `xenlab images`: the `ls` table, the check report, progress. */
import { formatBytes } from "../images/image-store.js";
import type { StoreUsage } from "../images/image-usage.js";
import type { CheckReport } from "../images/store-check.js";
import type { ImageRecord, StoreState } from "../images/store-state.js";

function table(header: string[], rows: string[][], right: boolean[]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]): string =>
    r
      .map((c, j) => (right[j] ? c.padStart(widths[j]) : c.padEnd(widths[j])))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

function from(img: ImageRecord): string {
  if (img.backing !== null) return `${img.backing} (backing)`;
  return img.parent ?? "-";
}

export function lsTable(
  state: StoreState,
  images: readonly ImageRecord[],
  usage: StoreUsage | null,
  exact: boolean,
): string {
  const size = (n: number): string => (exact ? String(n) : formatBytes(n));
  const byName = new Map(usage?.images.map((u) => [u.name, u]) ?? []);
  const header = [
    "NAME",
    "KIND",
    "FORMAT",
    "VIRTUAL",
    "ALLOCATED",
    "SHARED",
    "EXCLUSIVE",
    "FROM",
    "MADE BY",
    "CREATED",
  ];
  const rows = images.map((img) => {
    const u = byName.get(img.name);
    return [
      img.name,
      img.kind,
      img.format,
      size(img.virtualSize),
      u ? size(u.allocated) : "-",
      u ? size(u.shared) : "-",
      u ? size(u.exclusive) : "-",
      from(img),
      img.madeBy,
      img.created.slice(0, 19).replace("T", " "),
    ];
  });
  const right = header.map((_, j) => j >= 3 && j <= 6);
  const lines = [images.length > 0 ? table(header, rows, right) : "(no images)"];
  const method = state.method === "reflink" ? "reflink clones" : "qcow2 overlays";
  if (usage) {
    const exclusive = usage.images.reduce((t, u) => t + u.exclusive, 0);
    lines.push(
      "",
      `store: ${images.length} images, ${method}; ${size(usage.virtual)} virtual in ${size(usage.physical)} on disk` +
        ` (exclusive total ${size(exclusive)})${usage.fiemap ? "" : "; no FIEMAP here, sharing unknown"}`,
    );
  } else lines.push("", `store: ${images.length} images, ${method}`);
  return `${lines.join("\n")}\n`;
}

export function checkText(root: string, r: CheckReport, repair: boolean): string {
  const lines = [
    `store ${root}: ${r.images} images, clones by ${r.method === "reflink" ? "reflink" : "qcow2 overlay"}` +
      (r.reflink.supported ? " (reflink works here)" : ` (reflink not available here: ${r.reflink.reason})`),
  ];
  const verb = repair ? "repaired" : "would repair";
  for (const a of r.actions) lines.push(`${verb}: ${a}`);
  for (const p of r.problems) lines.push(`problem: ${p}`);
  if (r.actions.length === 0 && r.problems.length === 0)
    lines.push("ok: metadata and files agree, nothing left over");
  else if (r.problems.length === 0)
    lines.push(repair ? "ok after repair" : "leftovers found (run without --dry-run to repair)");
  return `${lines.join("\n")}\n`;
}

/** A one-line progress display on stderr for long copies (only on a terminal). */
export function progressLine(
  label: string,
  enabled: boolean,
): { update(done: number, total: number): void; done(): void } {
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      if (!enabled) return;
      const now = performance.now();
      if (now - last < 200 && done < total) return;
      last = now;
      shown = true;
      const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
      process.stderr.write(`\r${label} ${pct}% (${formatBytes(done)} of ${formatBytes(total)})\x1b[K`);
    },
    done() {
      if (shown) process.stderr.write("\r\x1b[K");
    },
  };
}
