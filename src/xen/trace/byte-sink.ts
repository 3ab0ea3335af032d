/** Where binary output goes: a file written atomically by the CLI, or memory in tests. */
export interface ByteSink {
  write(chunk: Uint8Array): void;
  /** Completes the output (renames a temporary file into place). */
  close(): void;
}

/** Keeps everything written, for tests and for in-process readers. */
export class MemorySink implements ByteSink {
  private readonly chunks: Uint8Array[] = [];
  closed = false;
  write(chunk: Uint8Array): void {
    this.chunks.push(chunk.slice());
  }
  close(): void {
    this.closed = true;
  }
  bytes(): Uint8Array {
    const n = this.chunks.reduce((s, c) => s + c.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}
