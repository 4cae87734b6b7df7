// Fake of Moddable's `timer` module on the manual clock. Timer.set(cb, interval, repeat) calls
// cb(timer) after `interval` ms, then every `repeat` ms when repeat > 0; Timer.clear(undefined)
// is allowed, as on the device.
import { cancel, schedule } from './clock.js';
import type { Task } from './clock.js';

export type TimerCallback = (timer: unknown) => void;

const Timer = {
  set: function (callback: TimerCallback, interval?: number, repeat?: number): Task {
    if (typeof callback !== 'function') throw new TypeError('Timer.set: callback is not a function');
    const t = schedule(function (self) { callback(self); }, interval || 0, repeat || 0, null);
    t.arg = t;
    return t;
  },
  repeat: function (callback: TimerCallback, interval: number): Task { return Timer.set(callback, interval, interval); },
  clear: function (t: Task | undefined | null): void {
    if (t === undefined || t === null) return;
    if (typeof t !== 'object' || typeof t.fn !== 'function') throw new TypeError('Timer.clear: not a timer');
    cancel(t);
  },
};

export default Timer;
