/**
 * A one-line progress display on stderr for long runs: simulated time reached, events
 * per wall second, and the estimated time left. It appears only on a terminal and only
 * once a run has taken more than `delayMs` (default 1 s), so short runs and piped
 * output stay clean. It is the only place a run reads the wall clock.
 */
export class ProgressBar {
  private readonly started = performance.now();
  private shown = false;
  private lastDraw = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly enabled: boolean = stream.isTTY === true,
    private readonly delayMs = 1000,
  ) {}

  update(simNow: number, simEnd: number, events: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    const elapsed = now - this.started;
    if (elapsed < this.delayMs || now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.shown = true;
    const frac = simEnd > 0 ? Math.min(1, simNow / simEnd) : 1;
    const width = 30;
    const filled = Math.round(frac * width);
    const rate = events / (elapsed / 1000);
    const eta = frac > 0 ? (elapsed / frac - elapsed) / 1000 : Number.NaN;
    const line = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  sim ${fmtS(simNow / 1e9)}/${fmtS(simEnd / 1e9)}  ${fmtRate(rate)} events/s  ETA ${fmtS(eta)}`;
    this.stream.write(`\r${line}\x1b[K`);
  }

  done(): void {
    if (this.shown) this.stream.write("\r\x1b[K");
  }
}

function fmtS(s: number): string {
  if (!Number.isFinite(s)) return "?";
  return s >= 100 ? `${s.toFixed(0)}s` : `${s.toFixed(1)}s`;
}

function fmtRate(r: number): string {
  if (r >= 1e6) return `${(r / 1e6).toFixed(1)}M`;
  if (r >= 1e3) return `${(r / 1e3).toFixed(1)}k`;
  return r.toFixed(0);
}
