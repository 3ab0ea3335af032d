/**
 * The baseline for `kernel.hold.baseline`: the textbook event queue, a binary heap of
 * event objects in a plain JS array, allocating one object per event. It exists only so
 * the typed-array design's gain is a measured ratio, not a claim.
 */
interface BaselineEvent {
  time: number;
  seq: number;
  fn: (q: BaselineQueue) => void;
}

export class BaselineQueue {
  private heap: BaselineEvent[] = [];
  private seq = 0;
  now = 0;

  at(delay: number, fn: (q: BaselineQueue) => void): void {
    const ev: BaselineEvent = { time: this.now + delay, seq: this.seq++, fn };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (before(h[p], ev)) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = ev;
  }

  step(): boolean {
    const h = this.heap;
    if (h.length === 0) return false;
    const top = h[0];
    const last = h.pop() as BaselineEvent;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= h.length) break;
        if (c + 1 < h.length && before(h[c + 1], h[c])) c++;
        if (before(last, h[c])) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    this.now = top.time;
    top.fn(this);
    return true;
  }
}

function before(a: BaselineEvent, b: BaselineEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
