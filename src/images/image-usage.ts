/**
 * Space accounting per image, so a quota can count what a customer really uses.
 *
 * Definitions (the same for both clone methods; allocated = shared + exclusive):
 * - virtual:   the disk size the guest sees.
 * - allocated: bytes of storage this image's content rests on: its own file's blocks
 *              plus the backing images' data it reads through (qcow2 overlays).
 * - shared:    the part of allocated that other images use too: reflinked extents
 *              (FIEMAP_EXTENT_SHARED), data inherited from a backing image, and own
 *              clusters that a qcow2 child still reads.
 * - exclusive: what only this image uses: roughly what deleting it frees. A fresh reflink
 *              clone or qcow2 overlay has exclusive ~ 0 (an overlay: its 256 KiB of tables).
 *
 * Sources: FIEMAP extents via extent-map.ts (on XFS/btrfs the SHARED flag is exact per
 * returned extent); qcow2 cluster maps via qcow2-reader.ts. Where FIEMAP is missing
 * (tmpfs), files count as fully allocated by st_blocks and `fiemap` is false.
 * The store total `physical` is the union of all images' physical extents (what the
 * store occupies on the device), or the sum of their blocks without FIEMAP.
 */
import { closeSync, fstatSync, openSync } from "node:fs";
import { type Extent, readExtents } from "./extent-map.js";
import type { ImageStore } from "./image-store.js";
import {
  type ClusterMap,
  HOST_COMPRESSED,
  HOST_ZERO,
  readClusterMap,
  readQcow2Info,
} from "./qcow2-reader.js";
import { RangeSet } from "./range-set.js";
import type { ImageRecord } from "./store-state.js";

export interface ImageUsage {
  name: string;
  virtual: number;
  allocated: number;
  shared: number;
  exclusive: number;
}

export interface StoreUsage {
  images: ImageUsage[];
  /** Bytes the store's image files occupy on the device, shared blocks counted once. */
  physical: number;
  /** Sum of virtual sizes. */
  virtual: number;
  /** False when the file system has no FIEMAP: sharing by reflink is then unknown. */
  fiemap: boolean;
}

interface FileFacts {
  img: ImageRecord;
  extents: Extent[] | null;
  blocks: number;
  size: number;
  map: ClusterMap | null;
  /** Guest ranges the image maps itself (data, zero, compressed): hide the backing. */
  covered: RangeSet;
  /** Guest ranges holding the image's own data. */
  ownData: RangeSet;
}

function facts(store: ImageStore, img: ImageRecord): FileFacts {
  const path = store.path(img);
  const extents = readExtents(path);
  const fd = openSync(path, "r");
  try {
    const st = fstatSync(fd);
    const blocks = Number(st.blocks) * 512;
    if (img.format === "raw") {
      const own = extents
        ? RangeSet.of(
            extents.filter((e) => !e.unwritten).map((e) => [e.logical, e.logical + e.length] as const),
          )
        : RangeSet.of([[0, st.size]]);
      const owned = own.clip(img.virtualSize);
      return { img, extents, blocks, size: st.size, map: null, covered: owned, ownData: owned };
    }
    const info = readQcow2Info(fd, path);
    const map = readClusterMap(fd, info);
    const data = map.guest.filter((_, i) => map.host[i] !== HOST_ZERO);
    return {
      img,
      extents,
      blocks,
      size: st.size,
      map,
      covered: RangeSet.ofClusters(map.guest, map.clusterSize, info.header.size),
      ownData: RangeSet.ofClusters(data, map.clusterSize, info.header.size),
    };
  } finally {
    closeSync(fd);
  }
}

/** File byte ranges holding the guest ranges `guest` of image `f`'s own data. */
function hostRanges(f: FileFacts, guest: RangeSet): RangeSet {
  if (f.map === null) return guest;
  const { map } = f;
  const cs = map.clusterSize;
  const pairs: [number, number][] = [];
  const wanted = guest.intersect(f.ownData);
  let k = 0;
  for (let i = 0; i < map.guest.length && k < wanted.count; i++) {
    const s = map.guest[i] * cs;
    while (k < wanted.count && wanted.ends[k] <= s) k++;
    if (k >= wanted.count || wanted.starts[k] >= s + cs) continue;
    const host = map.host[i];
    if (host === HOST_ZERO) continue;
    if (host === HOST_COMPRESSED) {
      const c = map.compressed.get(map.guest[i])!;
      pairs.push([c.offset, c.offset + c.bytes]);
    } else pairs.push([host, host + cs]);
  }
  return RangeSet.of(pairs);
}

export function storeUsage(store: ImageStore): StoreUsage {
  const images = store.list();
  const all = new Map(images.map((i) => [i.name, facts(store, i)]));
  const views = new Map<string, RangeSet>();
  const view = (f: FileFacts): RangeSet => {
    const known = views.get(f.img.name);
    if (known) return known;
    const parent = f.img.backing === null ? undefined : all.get(f.img.backing);
    const v = parent ? f.ownData.union(view(parent).subtract(f.covered)).clip(f.img.virtualSize) : f.ownData;
    views.set(f.img.name, v);
    return v;
  };
  const fiemap = [...all.values()].every((f) => f.extents !== null);
  const out: ImageUsage[] = [];
  for (const f of all.values()) {
    const parent = f.img.backing === null ? undefined : all.get(f.img.backing);
    const inherited = parent ? view(parent).subtract(f.covered).clip(f.img.virtualSize).size() : 0;
    // Own file bytes that qcow2 children read because they do not cover them.
    let childRead = RangeSet.EMPTY;
    for (const c of all.values()) {
      if (c.img.backing !== f.img.name) continue;
      const uncovered = RangeSet.of([[0, c.img.virtualSize]]).subtract(c.covered);
      childRead = childRead.union(hostRanges(f, uncovered));
    }
    let fileAlloc = f.blocks;
    let shared = childRead;
    if (f.extents) {
      fileAlloc = f.extents.reduce((t, e) => t + e.length, 0);
      const allocated = RangeSet.of(f.extents.map((e) => [e.logical, e.logical + e.length] as const));
      const fsShared = RangeSet.of(
        f.extents.filter((e) => e.shared).map((e) => [e.logical, e.logical + e.length] as const),
      );
      shared = fsShared.union(childRead).intersect(allocated);
    }
    const sharedOwn = Math.min(shared.size(), fileAlloc);
    out.push({
      name: f.img.name,
      virtual: f.img.virtualSize,
      allocated: fileAlloc + inherited,
      shared: sharedOwn + inherited,
      exclusive: fileAlloc - sharedOwn,
    });
  }
  let physical = 0;
  if (fiemap) {
    const phys = RangeSet.of(
      [...all.values()].flatMap((f) => f.extents!.map((e) => [e.physical, e.physical + e.length] as const)),
    );
    physical = phys.size();
  } else {
    for (const f of all.values()) physical += f.blocks;
  }
  return { images: out, physical, virtual: images.reduce((t, i) => t + i.virtualSize, 0), fiemap };
}
