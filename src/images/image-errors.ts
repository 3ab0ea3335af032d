/**
 * The image store's one error class (STYLE.md 12: one error class per layer, with a code).
 * Every refusal happens before the store is changed, so a caught ImageStoreError always
 * means "nothing was done". `isInputProblem` tells the CLI which codes are the user's input
 * (exit 2) and which are the store's own trouble (exit 1).
 */

export const IMAGE_ERROR_CODES = {
  /** No image, store or file of that name. */
  "not-found": "input",
  /** The name is already used in the store. */
  exists: "input",
  /** A name that does not follow the naming rule. */
  "bad-name": "input",
  /** The file to import is not a disk image this store can keep. */
  "not-an-image": "input",
  /** The file system lacks the free space the operation needs. */
  "no-space": "input",
  /** Other images depend on the one to delete (use --force to delete them too). */
  "has-dependents": "input",
  /** The operation does not apply to this kind of image (e.g. revert a template). */
  "wrong-kind": "input",
  /** A method or format feature this store or file system cannot do. */
  unsupported: "input",
  /** Another process holds the store's lock. */
  locked: "input",
  /** The store's metadata or an image file is damaged beyond automatic repair. */
  corrupt: "store",
} as const;

export type ImageErrorCode = keyof typeof IMAGE_ERROR_CODES;

export class ImageStoreError extends Error {
  override name = "ImageStoreError";
  constructor(
    readonly code: ImageErrorCode,
    message: string,
  ) {
    super(message);
  }

  get isInputProblem(): boolean {
    return IMAGE_ERROR_CODES[this.code] === "input";
  }
}
