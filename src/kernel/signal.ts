/**
 * A one-shot signal (SimPy's Event): pending until `succeed(value)` or `fail(error)`,
 * which may happen once only. Waiters run as an urgent event at the time it fired, so
 * whoever triggers a signal finishes its own step first and waiters run in the order
 * they registered.
 *
 * Failures are loud (STYLE.md 8): a failed signal that nobody waits on stops the run
 * with a SimulationError naming the signal.
 */
import type { Kernel } from "./kernel.js";

export type SignalState = "pending" | "succeeded" | "failed";
export type Waiter<T> = (signal: Signal<T>) => void;

/** What a process or `run(until)` needs of a signal, whatever its value type. */
export interface SignalLike {
  readonly name: string;
  readonly state: SignalState;
  readonly error: Error | undefined;
  /** The value if it succeeded, else undefined. */
  readonly settledValue: unknown;
  /** True once the waiters have run. */
  readonly processed: boolean;
  /** Calls `cb` once the signal has fired (soon, if it already has). */
  onSettled(cb: () => void): void;
}

export class Signal<T> implements SignalLike {
  private _state: SignalState = "pending";
  private _value: T | undefined;
  private _error: Error | undefined;
  private waiters: Waiter<T>[] = [];
  /** True once the waiters have run. */
  processed = false;

  constructor(
    private readonly k: Kernel,
    readonly name: string,
  ) {}

  get state(): SignalState {
    return this._state;
  }

  get triggered(): boolean {
    return this._state !== "pending";
  }

  /** The value it succeeded with; throws if it has not succeeded. */
  get value(): T {
    if (this._state !== "succeeded") throw new Error(`signal ${this.name} has not succeeded`);
    return this._value as T;
  }

  get error(): Error | undefined {
    return this._error;
  }

  get settledValue(): unknown {
    return this._value;
  }

  onSettled(cb: () => void): void {
    this.addWaiter(cb);
  }

  succeed(value: T): this {
    this.trigger("succeeded");
    this._value = value;
    return this;
  }

  fail(error: Error): this {
    this.trigger("failed");
    this._error = error;
    return this;
  }

  /** Registers a waiter; if the signal was already processed it runs soon. */
  addWaiter(waiter: Waiter<T>): this {
    this.waiters.push(waiter);
    if (this.processed) {
      this.processed = false;
      this.k.soon(() => this.runWaiters());
    }
    return this;
  }

  private trigger(state: SignalState): void {
    if (this._state !== "pending") {
      throw new Error(`signal ${this.name} triggered twice (already ${this._state})`);
    }
    this._state = state;
    this.k.soon(() => this.runWaiters());
  }

  private runWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    this.processed = true;
    if (this._state === "failed" && waiters.length === 0) {
      throw new SignalFailure(this.name, this._error as Error);
    }
    for (const w of waiters) w(this);
  }
}

/** A failed signal that nobody handled. */
export class SignalFailure extends Error {
  override name = "SimulationError";
  constructor(
    readonly signalName: string,
    override readonly cause: Error,
  ) {
    super(`${signalName} failed: ${cause.message}`);
  }
}
