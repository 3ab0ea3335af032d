/**
 * `import`: brings a raw or qcow2 file into the store as a template (or a disk). The file
 * is checked first (image-probe.ts); then it is reflinked in when the source lies on the
 * same reflink-capable file system (O(1), shares its blocks with the source), else copied
 * with its holes kept. Import always copies data that is not yet in the store; that is its
 * job, so this is not the "silent full copy" a clone must never do.
 */
import { rmSync } from "node:fs";
import { faultPoint } from "./fault-points.js";
import { ImageStoreError } from "./image-errors.js";
import { probeImageFile } from "./image-probe.js";
import { checkNewName, ensureSpace, type ImageStore } from "./image-store.js";
import { reflinkFile } from "./reflink.js";
import { copyFileSparse } from "./sparse-copy.js";
import type { ImageFormat, ImageKind, ImageRecord } from "./store-state.js";

export interface ImportOptions {
  /** Refuse the file unless it is of this format. */
  format?: ImageFormat;
  kind?: Extract<ImageKind, "template" | "disk">;
  onProgress?: (done: number, total: number) => void;
}

export interface ImportResult {
  image: ImageRecord;
  /** "reflink": shares blocks with the source; "copy": data copied (holes kept). */
  how: "reflink" | "copy";
  bytesCopied: number;
}

export function importImage(
  store: ImageStore,
  src: string,
  name: string,
  opts: ImportOptions = {},
): ImportResult {
  const probed = probeImageFile(src, opts.format);
  return store.mutate("import", (tx, ctx) => {
    checkNewName(ctx.state, name);
    if (name.includes("@"))
      throw new ImageStoreError("bad-name", `"${name}": '@' is reserved for snapshot names`);
    let how: ImportResult["how"] = "copy";
    let bytesCopied = 0;
    const file = tx.stage(probed.format, (path) => {
      if (ctx.method === "reflink") {
        try {
          reflinkFile(src, path, false);
          how = "reflink";
          return;
        } catch {
          // The source is on another file system: copy it (import's job).
          rmSync(path, { force: true });
        }
      }
      ensureSpace(ctx.root, probed.allocated, `importing ${src}`);
      let halfway = false;
      const r = copyFileSparse(src, path, {
        sync: false,
        onProgress: (done, total) => {
          opts.onProgress?.(done, total);
          if (!halfway && done * 2 >= total) {
            halfway = true;
            faultPoint("import:copying");
          }
        },
      });
      bytesCopied = r.bytesWritten;
    });
    const image: ImageRecord = {
      name,
      kind: opts.kind ?? "template",
      format: probed.format,
      file,
      virtualSize: probed.virtualSize,
      parent: null,
      backing: null,
      snapshotOf: null,
      madeBy: "import",
      created: ctx.now(),
      owner: ctx.owner,
    };
    tx.put.push(image);
    return { image, how, bytesCopied };
  });
}
