/**
 * Merges the top `depth` layers of a chain into one new qcow2 image whose backing file is
 * the layer below them (or none, to flatten the whole chain into a stand-alone image).
 *
 * Design: an output cluster is allocated when any merged layer maps any byte of it; its
 * content is read through the whole chain (readThrough), so partly mapped clusters take
 * their remaining bytes from the layers below, exactly as a reader of the old top image
 * would see them. Clusters no merged layer maps stay unallocated and keep reading from the
 * backing file; with no backing they read as zeros, and zero clusters are dropped. A
 * cluster the merged layers map entirely as zero clusters becomes a zero cluster (v3).
 * So the new image reads byte-for-byte like the old top image (tested with qemu-img
 * compare). Cost: O(bytes the merged layers hold), never O(virtual size).
 */

import { type ChainLayer, closeChain, openChain, readThrough } from "./qcow2-chain.js";
import { DEFAULT_CLUSTER_BITS } from "./qcow2-format.js";
import { type BackingFormat, type ClusterEntry, type Qcow2Layout, writeQcow2 } from "./qcow2-writer.js";
import { RangeSet } from "./range-set.js";
import type { ImageFormat } from "./store-state.js";

export interface MergeSpec {
  /** The chain, top first, down to its bottom (so reads are complete). */
  chain: readonly { path: string; format: ImageFormat }[];
  /** How many top layers to merge; the layer below (if any) becomes the backing file. */
  depth: number;
  /** File name to record as the backing file (relative to the new image's folder). */
  backingName?: string;
  out: string;
  virtualSize: number;
  sync?: boolean;
  /** Called after each cluster written (for progress and crash-test hooks). */
  onCluster?: (done: number, total: number) => void;
}

function plan(
  layers: readonly ChainLayer[],
  depth: number,
  cs: number,
  size: number,
  keepBacking: boolean,
): ClusterEntry[] {
  let mapped = RangeSet.EMPTY;
  let visibleZero = RangeSet.EMPTY;
  for (let i = 0; i < depth; i++) {
    // Zero clusters of layer i count only where no layer above maps the range.
    visibleZero = visibleZero.union(layers[i].zeros.subtract(mapped));
    mapped = mapped.union(layers[i].mapped);
  }
  mapped = mapped.clip(size);
  const entries: ClusterEntry[] = [];
  let z = 0;
  for (let r = 0; r < mapped.count; r++) {
    const first = Math.floor(mapped.starts[r] / cs);
    const last = Math.floor((mapped.ends[r] - 1) / cs);
    for (let c = first; c <= last; c++) {
      if (entries.length > 0 && entries[entries.length - 1].guest === c) continue;
      const cEnd = Math.min((c + 1) * cs, size);
      // Ranges are coalesced, so a cluster wholly zero lies inside one zero range.
      while (z < visibleZero.count && visibleZero.ends[z] <= c * cs) z++;
      const allZero = z < visibleZero.count && visibleZero.starts[z] <= c * cs && visibleZero.ends[z] >= cEnd;
      if (allZero && !keepBacking) continue;
      entries.push({ guest: c, zero: allZero });
    }
  }
  return entries;
}

export function mergeChain(spec: MergeSpec): Qcow2Layout {
  const layers = openChain(spec.chain);
  try {
    const cs = 2 ** DEFAULT_CLUSTER_BITS;
    const keepBacking = spec.depth < layers.length;
    const entries = plan(layers, spec.depth, cs, spec.virtualSize, keepBacking);
    const below = layers[spec.depth];
    const total = entries.length;
    let done = 0;
    return writeQcow2(spec.out, {
      virtualSize: spec.virtualSize,
      clusterBits: DEFAULT_CLUSTER_BITS,
      backing:
        keepBacking && spec.backingName
          ? { file: spec.backingName, format: below.format as BackingFormat }
          : undefined,
      clusters: entries,
      sync: spec.sync,
      readData: (guest) => {
        const buf = Buffer.alloc(cs);
        const off = guest * cs;
        readThrough(layers, 0, off, Math.min(cs, spec.virtualSize - off), buf, 0);
        done++;
        spec.onCluster?.(done, total);
        return buf;
      },
    });
  } finally {
    closeChain(layers);
  }
}
