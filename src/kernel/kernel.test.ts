import { describe, expect, it } from "vitest";
import { type Handler, Kernel, URGENT } from "./kernel.js";

describe("Kernel", () => {
  it("runs events at their times, equal times in insertion order, urgent first", () => {
    const k = new Kernel();
    const log: string[] = [];
    const rec: Handler = (kk, arg) => log.push(`${kk.now}:${arg}`);
    k.at(10, rec, 1);
    k.at(5, rec, 2);
    k.at(10, rec, 3);
    k.at(10, rec, 4, URGENT);
    k.run();
    expect(log).toEqual(["5:2", "10:4", "10:1", "10:3"]);
    expect(k.events).toBe(4);
  });

  it("runs until a time: events at exactly that time run, now becomes that time", () => {
    const k = new Kernel();
    const seen: number[] = [];
    k.at(10, (kk) => seen.push(kk.now));
    k.at(20, (kk) => seen.push(kk.now));
    k.at(21, (kk) => seen.push(kk.now));
    k.run(20);
    expect(seen).toEqual([10, 20]);
    expect(k.now).toBe(20);
    k.run(30);
    expect(seen).toEqual([10, 20, 21]);
    expect(k.now).toBe(30);
  });

  it("stops when a handler calls stop", () => {
    const k = new Kernel();
    let n = 0;
    const tick: Handler = (kk) => {
      n++;
      if (n === 3) kk.stop();
      kk.at(1, tick);
    };
    k.at(0, tick);
    k.run();
    expect(n).toBe(3);
    expect(k.isStopped).toBe(true);
  });

  it("refuses to schedule in the past", () => {
    const k = new Kernel();
    k.at(5, () => {});
    k.run();
    expect(() => k.atTime(4, () => {})).toThrow(/cannot schedule/);
    expect(() => k.at(-1, () => {})).toThrow(/cannot schedule/);
  });

  it("cancels one-shot events", () => {
    const k = new Kernel();
    const log: number[] = [];
    const id = k.at(5, () => log.push(5));
    k.at(6, () => log.push(6));
    expect(k.cancel(id)).toBe(true);
    k.run();
    expect(log).toEqual([6]);
  });

  it("re-arms a timer: only the latest arming fires", () => {
    const k = new Kernel();
    const fired: number[] = [];
    const t = k.timer((kk) => fired.push(kk.now));
    t.set(100);
    k.at(10, () => t.set(50)); // moves it to 60
    k.at(20, () => t.set(5)); // moves it to 25
    k.run();
    expect(fired).toEqual([25]);
    expect(t.armed).toBe(false);
    t.set(10);
    expect(t.expires).toBe(35);
    expect(t.cancel()).toBe(true);
    k.run();
    expect(fired).toEqual([25]);
  });

  it("a timer can re-arm itself from its own handler (a periodic tick)", () => {
    const k = new Kernel();
    const ticks: number[] = [];
    const t = k.timer((kk) => {
      ticks.push(kk.now);
      if (ticks.length < 4) t.set(10);
    });
    t.set(10);
    k.run();
    expect(ticks).toEqual([10, 20, 30, 40]);
  });

  it("gives each entity its own stream, independent of other entities", () => {
    const a = new Kernel(42);
    const b = new Kernel(42);
    b.rng("newcomer").next();
    expect(a.rng("web").next()).toBe(b.rng("web").next());
    expect(a.rng("web").next()).not.toBe(a.rng("db").next());
  });
});

describe("Signals and processes", () => {
  it("a process sleeps for delays and waits on signals, receiving their values", () => {
    const k = new Kernel();
    const log: string[] = [];
    const ready = k.signal<string>("ready");
    k.spawn("waiter", function* () {
      log.push(`start ${k.now}`);
      yield 10;
      log.push(`slept ${k.now}`);
      const v = yield ready;
      log.push(`got ${String(v)} at ${k.now}`);
    });
    k.at(25, () => ready.succeed("go"));
    k.run();
    expect(log).toEqual(["start 0", "slept 10", "got go at 25"]);
  });

  it("a failed signal throws into the waiting process, which may catch it", () => {
    const k = new Kernel();
    const s = k.signal<number>("disk");
    let caught = "";
    k.spawn("p", function* () {
      try {
        yield s;
      } catch (e) {
        caught = (e as Error).message;
      }
    });
    k.at(3, () => s.fail(new Error("EIO")));
    k.run();
    expect(caught).toBe("EIO");
  });

  it("an unhandled failure stops the run loudly, naming the entity", () => {
    const k = new Kernel();
    k.spawn("guest-7", function* () {
      yield 5;
      throw new Error("crashed");
    });
    expect(() => k.run()).toThrow(/process guest-7 failed: crashed/);
  });

  it("a signal cannot be triggered twice", () => {
    const k = new Kernel();
    const s = k.signal<void>("once");
    s.succeed();
    expect(() => s.succeed()).toThrow(/triggered twice/);
  });

  it("run(until signal) returns once the signal's waiters have run", () => {
    const k = new Kernel();
    const done = k.signal<void>("done");
    k.at(7, () => done.succeed());
    k.at(100, () => {});
    k.run(done);
    expect(k.now).toBe(7);
    expect(k.pending).toBe(1);
  });

  it("a waiter added after the signal fired still runs", () => {
    const k = new Kernel();
    const s = k.signal<number>("early");
    s.succeed(9);
    k.run();
    let v = 0;
    s.addWaiter((sig) => {
      v = sig.value;
    });
    k.run();
    expect(v).toBe(9);
  });
});
