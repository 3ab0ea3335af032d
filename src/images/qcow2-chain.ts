/**
 * Reads guest data through a chain of images, top first: qcow2 layers answer from their
 * own clusters (data, zero, compressed) and pass unallocated ranges down to the next
 * layer; a raw layer answers everything up to its end; past the bottom, or past a layer's
 * end, reads are zeros (qcow2.txt: "If there is no backing file or the backing file is
 * smaller than the image, they shall read zeros").
 *
 * Used to merge a snapshot into its child (deleting a snapshot from the middle of a qcow2
 * chain) and to flatten a chain into a stand-alone copy. Each layer's cluster size is its
 * own, so layers written by different tools combine correctly.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { inflateRawSync, constants as zc } from "node:zlib";
import { ImageStoreError } from "./image-errors.js";
import { INCOMPAT_COMPRESSION } from "./qcow2-format.js";
import {
  type ClusterMap,
  HOST_COMPRESSED,
  HOST_ZERO,
  readClusterMap,
  readQcow2Info,
} from "./qcow2-reader.js";
import { RangeSet } from "./range-set.js";
import { dataRanges } from "./sparse-copy.js";
import type { ImageFormat } from "./store-state.js";

export interface ChainLayer {
  path: string;
  format: ImageFormat;
  fd: number;
  virtualSize: number;
  /** qcow2 only. */
  map?: ClusterMap;
  lookup?: Map<number, number>;
  /** Guest byte ranges the layer maps itself (qcow2: data+zero clusters; raw: data extents). */
  mapped: RangeSet;
  /** qcow2: ranges mapped as zero clusters. */
  zeros: RangeSet;
}

/** Opens the layers (top first). Close them with closeChain. */
export function openChain(layers: readonly { path: string; format: ImageFormat }[]): ChainLayer[] {
  const out: ChainLayer[] = [];
  try {
    for (const l of layers) {
      const fd = openSync(l.path, "r");
      if (l.format === "raw") {
        const size = fstatSync(fd).size;
        out.push({ ...l, fd, virtualSize: size, mapped: dataRanges(l.path, size), zeros: RangeSet.EMPTY });
        continue;
      }
      const info = readQcow2Info(fd, l.path);
      const map = readClusterMap(fd, info);
      if (map.compressed.size > 0 && info.header.incompatibleFeatures & INCOMPAT_COMPRESSION) {
        closeSync(fd);
        throw new ImageStoreError("unsupported", `${l.path}: zstd-compressed clusters are not supported`);
      }
      const lookup = new Map<number, number>();
      const zeroClusters: number[] = [];
      for (let i = 0; i < map.guest.length; i++) {
        lookup.set(map.guest[i], map.host[i]);
        if (map.host[i] === HOST_ZERO) zeroClusters.push(map.guest[i]);
      }
      out.push({
        ...l,
        fd,
        virtualSize: info.header.size,
        map,
        lookup,
        mapped: RangeSet.ofClusters(map.guest, map.clusterSize, info.header.size),
        zeros: RangeSet.ofClusters(zeroClusters, map.clusterSize, info.header.size),
      });
    }
  } catch (e) {
    closeChain(out);
    throw e;
  }
  return out;
}

export function closeChain(layers: readonly ChainLayer[]): void {
  for (const l of layers) closeSync(l.fd);
}

function readFull(fd: number, buf: Buffer, off: number, len: number, pos: number): void {
  let done = 0;
  while (done < len) {
    const n = readSync(fd, buf, off + done, len - done, pos + done);
    if (n === 0) break; // past the end: the rest stays zero
    done += n;
  }
}

function readCompressed(layer: ChainLayer, guest: number): Buffer {
  const map = layer.map!;
  const d = map.compressed.get(guest)!;
  const src = Buffer.alloc(d.bytes);
  readFull(layer.fd, src, 0, d.bytes, d.offset);
  const out = inflateRawSync(src, { finishFlush: zc.Z_SYNC_FLUSH });
  return out.length >= map.clusterSize
    ? out.subarray(0, map.clusterSize)
    : Buffer.concat([out, Buffer.alloc(map.clusterSize - out.length)]);
}

/**
 * Fills `out[outOff, outOff+len)` (which must be zero on entry) with the guest bytes at
 * `off` as seen through layers[i..].
 */
export function readThrough(
  layers: readonly ChainLayer[],
  i: number,
  off: number,
  len: number,
  out: Buffer,
  outOff: number,
): void {
  if (i >= layers.length || len <= 0) return;
  const layer = layers[i];
  const end = Math.min(off + len, layer.virtualSize);
  if (end <= off) return; // past this layer's end: zeros
  if (layer.format === "raw") {
    readFull(layer.fd, out, outOff, end - off, off);
    return;
  }
  const cs = layer.map!.clusterSize;
  let pos = off;
  while (pos < end) {
    const c = Math.floor(pos / cs);
    const pieceEnd = Math.min(end, (c + 1) * cs);
    const n = pieceEnd - pos;
    const host = layer.lookup!.get(c);
    const at = outOff + (pos - off);
    if (host === undefined) readThrough(layers, i + 1, pos, n, out, at);
    else if (host === HOST_COMPRESSED) readCompressed(layer, c).copy(out, at, pos - c * cs, pos - c * cs + n);
    else if (host !== HOST_ZERO) readFull(layer.fd, out, at, n, host + (pos - c * cs));
    pos = pieceEnd;
  }
}
