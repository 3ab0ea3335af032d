/**
 * `clone`, `snapshot` and `revert`: the operations that make an image from another one.
 *
 * - reflink store: a clone, a snapshot and a revert are each one FICLONE of the source
 *   file (O(extents)); the new file is independent, so nothing depends on anything.
 * - qcow2 store: a clone is a new empty qcow2 overlay whose backing file is the source
 *   (O(1): four clusters whatever the size). A snapshot is external, as libvirt makes
 *   them: the disk's current file becomes the read-only snapshot and the disk continues in
 *   a new overlay on top of it. A revert gives the disk a new empty overlay on the
 *   snapshot. Chains grow T <- S1 <- S2 <- disk; deleting a snapshot merges it
 *   (store-remove.ts). The VM must be stopped for a qcow2 snapshot or revert.
 * - `copy: true` (the CLI's --copy) is the explicit full copy: holes kept, chains
 *   flattened, nothing shared.
 */
import { statSync, truncateSync } from "node:fs";
import { ImageStoreError } from "./image-errors.js";
import {
  chainOf,
  checkNewName,
  ensureSpace,
  type ImageStore,
  requireImage,
  type StoreContext,
} from "./image-store.js";
import { DEFAULT_CLUSTER_BITS } from "./qcow2-format.js";
import { mergeChain } from "./qcow2-merge.js";
import { writeQcow2 } from "./qcow2-writer.js";
import { reflinkFile } from "./reflink.js";
import { copyFileSparse } from "./sparse-copy.js";
import type { ImageRecord, MadeBy } from "./store-state.js";

export interface CloneOptions {
  /** Full, independent copy instead of the store's clone method. */
  copy?: boolean;
  /** Virtual size of the new disks (at least the source's). */
  size?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface CloneResult {
  images: ImageRecord[];
  how: MadeBy;
}

function reflinkOrExplain(ctx: StoreContext, src: ImageRecord, path: string): void {
  try {
    reflinkFile(ctx.path(src), path, false);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ImageStoreError(
      "unsupported",
      `reflink of ${src.name} failed (${code}) although this store uses reflink; nothing was copied (use --copy for a full copy)`,
    );
  }
}

function checkSize(src: ImageRecord, size: number | undefined, growable: boolean): number {
  if (size === undefined) return src.virtualSize;
  if (!Number.isSafeInteger(size) || size % 512 !== 0 || size < src.virtualSize) {
    throw new ImageStoreError(
      "wrong-kind",
      `size ${size}: must be a multiple of 512 bytes and at least ${src.name}'s ${src.virtualSize} bytes`,
    );
  }
  if (size !== src.virtualSize && !growable) {
    throw new ImageStoreError(
      "unsupported",
      `a ${src.format} image cannot be enlarged by this clone method; clone it, then resize`,
    );
  }
  return size;
}

function chainAllocated(ctx: StoreContext, img: ImageRecord): number {
  return chainOf(ctx, img).reduce((t, i) => t + Number(statSync(ctx.path(i)).blocks) * 512, 0);
}

/** Makes one clone file of `src` by `how`; returns its format. */
function makeClone(
  ctx: StoreContext,
  src: ImageRecord,
  how: MadeBy,
  size: number,
  path: string,
  opts: CloneOptions,
): void {
  if (how === "reflink") {
    reflinkOrExplain(ctx, src, path);
    if (size !== src.virtualSize) truncateSync(path, size);
  } else if (how === "qcow2-overlay") {
    writeQcow2(path, { virtualSize: size, backing: { file: src.file, format: src.format }, sync: false });
  } else if (src.backing === null) {
    copyFileSparse(ctx.path(src), path, { sync: false, onProgress: opts.onProgress });
    if (size !== src.virtualSize) truncateSync(path, size);
  } else {
    const chain = chainOf(ctx, src).map((i) => ({ path: ctx.path(i), format: i.format }));
    const cs = 2 ** DEFAULT_CLUSTER_BITS;
    const onCluster = opts.onProgress
      ? (d: number, t: number) => opts.onProgress?.(d * cs, t * cs)
      : undefined;
    mergeChain({ chain, depth: chain.length, out: path, virtualSize: size, sync: false, onCluster });
  }
}

export function cloneImage(
  store: ImageStore,
  source: string,
  names: readonly string[],
  opts: CloneOptions = {},
): CloneResult {
  return store.mutate("clone", (tx, ctx) => {
    const src = requireImage(ctx.state, source);
    if (names.length === 0) throw new ImageStoreError("wrong-kind", "name at least one disk to create");
    for (const [i, n] of names.entries()) {
      checkNewName(ctx.state, n);
      if (n.includes("@"))
        throw new ImageStoreError("bad-name", `"${n}": '@' is reserved for snapshot names`);
      if (names.indexOf(n) !== i) throw new ImageStoreError("exists", `${n} is named twice`);
    }
    const how: MadeBy = opts.copy ? "copy" : ctx.method === "reflink" ? "reflink" : "qcow2-overlay";
    if (src.kind === "disk" && how === "qcow2-overlay") {
      throw new ImageStoreError(
        "wrong-kind",
        `${src.name} is a live disk; a qcow2 overlay needs a read-only source. Snapshot it first (xenlab images snapshot ${src.name} base) and clone ${src.name}@base, or use --copy`,
      );
    }
    const flatten = how === "copy" && src.backing !== null;
    const growable = how === "qcow2-overlay" || flatten || src.format === "raw";
    const size = checkSize(src, opts.size, growable);
    if (how === "copy")
      ensureSpace(
        ctx.root,
        names.length * chainAllocated(ctx, src),
        `copying ${src.name} ${names.length} time(s)`,
      );
    else ensureSpace(ctx.root, names.length * 1024 * 1024, "the new images' metadata");
    const format = how === "qcow2-overlay" || flatten ? "qcow2" : src.format;
    const images: ImageRecord[] = names.map((name) => {
      const file = tx.stage(format, (path) => makeClone(ctx, src, how, size, path, opts));
      return {
        name,
        kind: "disk",
        format,
        file,
        virtualSize: size,
        parent: src.name,
        backing: how === "qcow2-overlay" ? src.name : how === "reflink" ? src.backing : null,
        snapshotOf: null,
        madeBy: how,
        created: ctx.now(),
        owner: ctx.owner,
      };
    });
    tx.put.push(...images);
    return { images, how };
  });
}

function requireDisk(ctx: StoreContext, name: string, verb: string): ImageRecord {
  const d = requireImage(ctx.state, name);
  if (d.kind !== "disk")
    throw new ImageStoreError("wrong-kind", `${name} is a ${d.kind}; only disks can be ${verb}`);
  return d;
}

export function snapshotImage(store: ImageStore, disk: string, snap: string): ImageRecord {
  return store.mutate("snapshot", (tx, ctx) => {
    const d = requireDisk(ctx, disk, "snapshotted");
    const full = `${disk}@${snap}`;
    checkNewName(ctx.state, full);
    ensureSpace(ctx.root, 1024 * 1024, "the snapshot's metadata");
    const base = {
      name: full,
      kind: "snapshot" as const,
      parent: d.name,
      snapshotOf: d.name,
      created: ctx.now(),
      owner: ctx.owner,
    };
    if (ctx.method === "reflink") {
      const file = tx.stage(d.format, (path) => reflinkOrExplain(ctx, d, path));
      const s: ImageRecord = { ...d, ...base, file, madeBy: "reflink" };
      tx.put.push(s);
      return s;
    }
    // qcow2: the disk's current file becomes the snapshot; the disk moves to a new overlay.
    const s: ImageRecord = { ...d, ...base };
    const file = tx.stage("qcow2", (path) =>
      writeQcow2(path, {
        virtualSize: d.virtualSize,
        backing: { file: d.file, format: d.format },
        sync: false,
      }),
    );
    tx.put.push(s, { ...d, file, format: "qcow2", backing: full, madeBy: "qcow2-overlay" });
    return s;
  });
}

export function revertImage(store: ImageStore, disk: string, snap: string): ImageRecord {
  return store.mutate("revert", (tx, ctx) => {
    const d = requireDisk(ctx, disk, "reverted");
    const s = requireImage(ctx.state, `${disk}@${snap}`);
    if (s.snapshotOf !== d.name)
      throw new ImageStoreError("wrong-kind", `${s.name} is not a snapshot of ${disk}`);
    const users = Object.values(ctx.state.images).filter((i) => i.backing === d.name);
    if (users.length > 0) {
      throw new ImageStoreError(
        "has-dependents",
        `${disk}'s file backs ${users.map((u) => u.name).join(", ")}`,
      );
    }
    let next: ImageRecord;
    if (ctx.method === "reflink") {
      const file = tx.stage(s.format, (path) => reflinkOrExplain(ctx, s, path));
      next = {
        ...d,
        file,
        format: s.format,
        backing: s.backing,
        virtualSize: s.virtualSize,
        madeBy: "reflink",
      };
    } else {
      const file = tx.stage("qcow2", (path) =>
        writeQcow2(path, {
          virtualSize: s.virtualSize,
          backing: { file: s.file, format: s.format },
          sync: false,
        }),
      );
      next = {
        ...d,
        file,
        format: "qcow2",
        backing: s.name,
        virtualSize: s.virtualSize,
        madeBy: "qcow2-overlay",
      };
    }
    tx.put.push(next);
    tx.drop.push(d.file);
    return next;
  });
}
