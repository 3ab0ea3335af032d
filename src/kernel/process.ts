/**
 * A simulation process: a generator that yields a delay in ns (a timeout) or a Signal
 * (wait until it fires; the yield evaluates to the signal's value, or throws its error
 * into the generator). It reads like SimPy and suits cold logic such as workload
 * scripts and scenario faults; hot models use handlers instead (STYLE.md 7).
 *
 * `done` succeeds when the body returns and fails if it throws; an unhandled failure
 * stops the run, naming the process.
 */
import type { Kernel } from "./kernel.js";
import { Signal, type SignalLike } from "./signal.js";

export type ProcessYield = number | SignalLike;
export type ProcessBody = () => Generator<ProcessYield, void, unknown>;

export class SimProcess {
  readonly done: Signal<void>;
  private readonly gen: Generator<ProcessYield, void, unknown>;
  private readonly resumeAfterDelay = (): void => this.resume(undefined, undefined);
  private waitingOn: SignalLike | null = null;
  private readonly resumeOnSignal = (): void => {
    const s = this.waitingOn as SignalLike;
    this.waitingOn = null;
    if (s.state === "failed") this.resume(undefined, s.error);
    else this.resume(s.settledValue, undefined);
  };

  constructor(
    private readonly k: Kernel,
    readonly name: string,
    body: ProcessBody,
  ) {
    this.done = k.signal<void>(`process ${name}`);
    this.gen = body();
    k.soon(this.resumeAfterDelay);
  }

  get alive(): boolean {
    return !this.done.triggered;
  }

  private resume(value: unknown, error: Error | undefined): void {
    let step: IteratorResult<ProcessYield, void>;
    try {
      step = error === undefined ? this.gen.next(value) : this.gen.throw(error);
    } catch (e) {
      this.done.fail(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    if (step.done) {
      this.done.succeed();
      return;
    }
    const y = step.value;
    if (isSignal(y)) {
      this.waitingOn = y;
      y.onSettled(this.resumeOnSignal);
    } else if (typeof y === "number" && y >= 0) this.k.at(y, this.resumeAfterDelay);
    else
      this.done.fail(
        new Error(`process ${this.name} yielded ${String(y)}: expected a delay in ns or a Signal`),
      );
  }
}

function isSignal(y: unknown): y is SignalLike {
  return y instanceof Signal || (typeof y === "object" && y !== null && "onSettled" in y);
}
