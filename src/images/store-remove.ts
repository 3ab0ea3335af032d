/**
 * `rm`: deletes images, refusing to delete what others still depend on.
 *
 * An image B depends on A when B's qcow2 backing file is A's file, or B is a snapshot of
 * disk A. Deleting A with dependents is refused with the list of them, unless `force`,
 * which deletes A and everything depending on it (the list is returned and printed).
 * Reflink clones depend on nothing: deleting a template leaves its clones intact (their
 * shared blocks stay until the last reference goes).
 *
 * One case needs no force: a snapshot in the middle of a qcow2 chain whose only dependent
 * is the next image up (T <- S <- D). Deleting S merges it into D (qcow2-merge.ts): D gets
 * a new file holding S's and D's clusters over T, in one transaction, costing O(data in S
 * and D). This is what `virsh blockcommit`/`qemu-img commit` users expect.
 *
 * All names are checked before anything is deleted; then each requested image is removed
 * in its own transaction (each one done or not done).
 */
import { statSync } from "node:fs";
import { ImageStoreError } from "./image-errors.js";
import { chainOf, ensureSpace, type ImageStore, requireImage, type StoreContext } from "./image-store.js";
import { mergeChain } from "./qcow2-merge.js";
import { dependencyClosure, type ImageRecord, type StoreState } from "./store-state.js";

export type RemovalStep =
  | { kind: "delete"; names: string[] }
  | { kind: "merge"; snapshot: string; into: string };

export interface RemoveResult {
  steps: RemovalStep[];
}

function why(dep: ImageRecord, of: string): string {
  if (dep.snapshotOf === of) return `${dep.name} (a snapshot of ${of})`;
  return `${dep.name} (a qcow2 overlay on ${dep.backing})`;
}

/** The merge partner of snapshot `s` when it is the only dependent, else null. */
function mergeTarget(state: StoreState, s: ImageRecord): ImageRecord | null {
  if (s.kind !== "snapshot") return null;
  const deps = Object.values(state.images).filter((i) => i.backing === s.name || i.snapshotOf === s.name);
  return deps.length === 1 && deps[0].backing === s.name ? deps[0] : null;
}

/** Plans the removal on a copy of the state; throws if anything is refused. */
export function planRemoval(state0: StoreState, names: readonly string[], force: boolean): RemovalStep[] {
  const state: StoreState = structuredClone(state0);
  const requested = new Set(names);
  for (const n of names) requireImage(state, n);
  const steps: RemovalStep[] = [];
  for (const n of names) {
    const img = state.images[n];
    if (!img) continue; // already deleted as a dependent of an earlier name
    const closure = dependencyClosure(state, n);
    const extra = closure.filter((x) => x !== n && !requested.has(x));
    const target = extra.length > 0 ? mergeTarget(state, img) : null;
    if (target) {
      steps.push({ kind: "merge", snapshot: n, into: target.name });
      state.images[target.name] = { ...target, backing: img.backing };
      delete state.images[n];
      continue;
    }
    if (extra.length > 0 && !force) {
      const list = extra.map((x) => why(state.images[x], dependsOnWhich(state, x, closure))).join(", ");
      throw new ImageStoreError(
        "has-dependents",
        `${n} cannot be deleted: ${list} depend${extra.length === 1 ? "s" : ""} on it. Delete those first, or use --force to delete them too`,
      );
    }
    steps.push({ kind: "delete", names: closure });
    for (const x of closure) delete state.images[x];
  }
  return steps;
}

/** The image in the closure that `x` directly depends on (for the message). */
function dependsOnWhich(state: StoreState, x: string, closure: readonly string[]): string {
  const img = state.images[x];
  if (img.snapshotOf && closure.includes(img.snapshotOf)) return img.snapshotOf;
  return img.backing ?? "";
}

function deleteStep(store: ImageStore, names: readonly string[]): void {
  store.mutate("rm", (tx, ctx) => {
    for (const n of names) {
      const img = requireImage(ctx.state, n);
      const others = Object.values(ctx.state.images).filter(
        (i) => (i.backing === n || i.snapshotOf === n) && !names.includes(i.name),
      );
      if (others.length > 0)
        throw new ImageStoreError(
          "has-dependents",
          `${n}: ${others.map((o) => o.name).join(", ")} now depend on it`,
        );
      tx.del.push(n);
      tx.drop.push(img.file);
    }
  });
}

function mergeStep(store: ImageStore, snapshot: string, into: string): void {
  store.mutate("merge", (tx, ctx: StoreContext) => {
    const s = requireImage(ctx.state, snapshot);
    const c = requireImage(ctx.state, into);
    if (mergeTarget(ctx.state, s)?.name !== c.name) {
      throw new ImageStoreError("has-dependents", `${snapshot}'s dependents changed; run rm again`);
    }
    const need = Number(statSync(ctx.path(s)).blocks) * 512 + Number(statSync(ctx.path(c)).blocks) * 512;
    ensureSpace(ctx.root, need, `merging ${snapshot} into ${into}`);
    const chain = chainOf(ctx, c).map((i) => ({ path: ctx.path(i), format: i.format }));
    const below = s.backing === null ? null : requireImage(ctx.state, s.backing);
    const file = tx.stage("qcow2", (path) =>
      mergeChain({
        chain,
        depth: 2,
        backingName: below?.file,
        out: path,
        virtualSize: c.virtualSize,
        sync: false,
      }),
    );
    tx.put.push({ ...c, file, format: "qcow2", backing: s.backing, madeBy: "merge" });
    tx.del.push(s.name);
    tx.drop.push(s.file, c.file);
  });
}

export function removeImages(
  store: ImageStore,
  names: readonly string[],
  opts: { force?: boolean } = {},
): RemoveResult {
  store.refresh();
  const steps = planRemoval(store.state, names, opts.force === true);
  for (const step of steps) {
    if (step.kind === "delete") deleteStep(store, step.names);
    else mergeStep(store, step.snapshot, step.into);
  }
  return { steps };
}
