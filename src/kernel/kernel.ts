/**
 * The simulation kernel: simulated time, the event queue, timers, signals, processes and
 * random streams. It knows nothing of Xen; everything above is built from `at`,
 * `timer`, `signal` and `spawn`, as SimPy builds everything from its environment.
 *
 * Two styles, chosen by heat (STYLE.md 7): hot models schedule long-lived handler
 * functions with an integer argument (`at`, `timer`), which allocates nothing per event;
 * cold logic (workload scripts, scenario faults) may be a generator process that yields
 * a delay or a Signal.
 *
 * Invariants: `now` never decreases; an event scheduled for time t runs at t exactly;
 * events at equal times run urgent first, then in the order they were scheduled.
 */

import { type ProcessBody, SimProcess } from "./process.js";
import { NORMAL, type Prio, RadixQueue, type TimerId, URGENT } from "./radix-queue.js";
import { Rng } from "./rng.js";
import { Signal, type SignalLike } from "./signal.js";
import { MAX_NS, type Ns } from "./time.js";

export { NORMAL, type Prio, type TimerId, URGENT };

/** An event handler: a long-lived function, called with the kernel and its argument. */
export type Handler = (k: Kernel, arg: number) => void;

/** Raised for broken simulation invariants and unhandled failures; names the entity. */
export class SimulationError extends Error {
  override name = "SimulationError";
}

export class Kernel {
  private _now = 0;
  private stopped = false;
  private readonly heap = new RadixQueue<Handler>();
  private readonly rngs = new Map<string, Rng>();
  /** Events run so far. */
  events = 0;

  /** @param seed the scenario seed; every random stream derives from it. */
  constructor(readonly seed: number = 1) {}

  /** Current simulated time in ns. */
  get now(): Ns {
    return this._now as Ns;
  }

  /** Number of pending events. */
  get pending(): number {
    return this.heap.size;
  }

  /** Time of the next pending event, or Infinity. */
  peek(): number {
    return this.heap.peekTime();
  }

  /** Runs `fn(k, arg)` after `delay` ns. Hot path: no allocation. */
  at(delay: number, fn: Handler, arg = 0, prio: Prio = NORMAL): TimerId {
    return this.heap.push(this.checkTime(this._now + delay), fn, arg, prio);
  }

  /** Runs `fn(k, arg)` at absolute time `time` (not before now). */
  atTime(time: number, fn: Handler, arg = 0, prio: Prio = NORMAL): TimerId {
    return this.heap.push(this.checkTime(time), fn, arg, prio);
  }

  /** Cancels a pending one-shot event; false if it already ran or was cancelled. */
  cancel(id: TimerId): boolean {
    return this.heap.cancel(id);
  }

  isPending(id: TimerId): boolean {
    return this.heap.isPending(id);
  }

  /** A re-armable timer with its own reserved slot (slice timers, ticks). */
  timer(fn: Handler, arg = 0, prio: Prio = NORMAL): Timer {
    return new Timer(this, this.heap, this.heap.ownSlot(fn, arg), prio);
  }

  /** Runs the next event; false when nothing is scheduled. */
  step(): boolean {
    return this.fireNextUntil(Number.POSITIVE_INFINITY);
  }

  /**
   * Runs events until the queue is empty, `stop()` is called, simulated time would pass
   * `until` (events at exactly `until` do run; `now` then becomes `until`), or the given
   * signal has fired.
   */
  run(until?: number | SignalLike): void {
    this.stopped = false;
    const heap = this.heap;
    if (typeof until === "object") {
      while (!this.stopped && !until.processed && heap.size > 0) this.fireNextUntil(Number.POSITIVE_INFINITY);
      return;
    }
    const limit = until ?? Number.POSITIVE_INFINITY;
    if (limit < this._now) throw new SimulationError(`run until ${limit} is before now ${this._now}`);
    while (!this.stopped && this.fireNextUntil(limit)) {}
    if (until !== undefined && !this.stopped && this._now < limit) this._now = limit;
  }

  /** Makes `run` return after the current event. */
  stop(): void {
    this.stopped = true;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** A one-shot signal; `succeed` or `fail` it exactly once. */
  signal<T>(name: string): Signal<T> {
    return new Signal<T>(this, name);
  }

  /** Starts a generator process now; it yields a delay in ns or a Signal to wait for. */
  spawn(name: string, body: ProcessBody): SimProcess {
    return new SimProcess(this, name, body);
  }

  /** The random stream of an entity, derived from (seed, name); the same name gives the same stream. */
  rng(stream: string): Rng {
    let r = this.rngs.get(stream);
    if (r === undefined) {
      r = Rng.stream(this.seed, stream);
      this.rngs.set(stream, r);
    }
    return r;
  }

  /** Schedules an urgent callback at now, used by signals to run their waiters. */
  soon(fn: Handler, arg = 0): TimerId {
    return this.heap.push(this._now, fn, arg, URGENT);
  }

  // Hot path: benchmarked by `kernel.hold`. Runs the next event if it is due by `limit`.
  private fireNextUntil(limit: number): boolean {
    const heap = this.heap;
    const slot = heap.popUntil(limit);
    if (slot < 0) return false;
    this._now = heap.poppedTime;
    const fn = heap.fnOf(slot);
    const arg = heap.argOf(slot);
    heap.retire(slot);
    this.events++;
    fn(this, arg);
    return true;
  }

  private checkTime(time: number): number {
    if (!(time >= this._now && time <= MAX_NS)) {
      throw new SimulationError(`cannot schedule at ${time} ns (now ${this._now} ns)`);
    }
    return Math.round(time);
  }
}

/**
 * A timer that is armed, re-armed and cancelled many times over its life (Xen's
 * `set_timer`/`stop_timer`), backed by one reserved event slot: no allocation per arm.
 */
export class Timer {
  constructor(
    private readonly k: Kernel,
    private readonly heap: RadixQueue<Handler>,
    private readonly slot: number,
    private readonly prio: Prio,
  ) {}

  /** Arms (or re-arms) the timer to fire `delay` ns from now. */
  set(delay: number): void {
    this.setAt(this.k.now + delay);
  }

  /** Arms (or re-arms) the timer to fire at absolute time `time`. */
  setAt(time: number): void {
    if (!(time >= this.k.now && time <= MAX_NS)) {
      throw new SimulationError(`timer set to ${time} ns (now ${this.k.now} ns)`);
    }
    this.heap.armOwned(this.slot, Math.round(time), this.prio);
  }

  /** Disarms; false if it was not armed. */
  cancel(): boolean {
    return this.heap.disarmOwned(this.slot);
  }

  get armed(): boolean {
    return this.heap.isArmed(this.slot);
  }

  /** When it will fire (only meaningful while armed). */
  get expires(): number {
    return this.heap.slotTime(this.slot);
  }
}
