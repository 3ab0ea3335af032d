/**
 * A binary output file written while a run goes (trace.xentrace, console.log): chunks go
 * to a temporary file beside the target, renamed into place when closed, so a reader
 * never sees half a file and a failed run leaves no partial output under the real name.
 */
import { closeSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { ByteSink } from "../xen/trace/byte-sink.js";

export class FileSink implements ByteSink {
  private readonly tmp: string;
  private fd: number | null;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.tmp = `${path}.tmp-${process.pid}`;
    this.fd = openSync(this.tmp, "w");
  }

  write(chunk: Uint8Array): void {
    if (this.fd === null) throw new Error(`${this.path}: write after close`);
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off);
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    renameSync(this.tmp, this.path);
  }
}
