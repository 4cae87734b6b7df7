// The manual clock both scripted platforms share (scripted-platform.ts for MqttClient,
// scripted-lite-platform.ts for LiteClient): now() is what the test says, and timers fire only
// when the test advances time, in due order (ties in the order they were set). XS-safe.

interface TimerEntry { id: number; due: number; fn: () => void }

export class ManualClock {
  time: number;
  private timers: TimerEntry[];
  private nextId: number;

  constructor() {
    this.time = 1000;
    this.timers = [];
    this.nextId = 1;
  }

  now(): number { return this.time; }
  setTimer(ms: number, fn: () => void): unknown {
    const id = this.nextId++;
    this.timers.push({ id: id, due: this.time + (ms > 0 ? ms : 0), fn: fn });
    return id;
  }
  clearTimer(handle: unknown): void {
    for (let i = 0; i < this.timers.length; i++) {
      if (this.timers[i].id === handle) { this.timers.splice(i, 1); return; }
    }
  }
  get pendingTimers(): number { return this.timers.length; }

  /** Fires the earliest timer due at or before `end`, moving the clock to its due time; false if none. */
  private fireNext(end: number): boolean {
    let k = -1;
    for (let i = 0; i < this.timers.length; i++) {
      if (this.timers[i].due <= end && (k < 0 || this.timers[i].due < this.timers[k].due)) k = i;
    }
    if (k < 0) return false;
    const t = this.timers[k];
    this.timers.splice(k, 1);
    if (t.due > this.time) this.time = t.due;
    t.fn();
    return true;
  }

  /** Moves the clock forward by ms, firing due timers in order at their own due time. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (let guard = 0; guard < 100000; guard++) {
      if (!this.fireNext(end)) { this.time = end; return; }
    }
    throw new Error('advance(' + ms + '): timers keep re-arming at the same instant');
  }

  /**
   * Fires timers one by one until cond() holds (checked after each), at most maxMs ahead.
   * Returns the ms elapsed when cond() became true, or -1 (the clock is then maxMs ahead).
   */
  runUntil(cond: () => boolean, maxMs: number): number {
    const start = this.time, end = this.time + maxMs;
    if (cond()) return 0;
    for (let guard = 0; guard < 100000; guard++) {
      if (!this.fireNext(end)) { this.time = end; return -1; }
      if (cond()) return this.time - start;
    }
    throw new Error('runUntil: timers keep re-arming at the same instant');
  }
}
