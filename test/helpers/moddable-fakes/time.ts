// Fake of Moddable's `time` module: Time.ticks is the manual clock (ms), as a 32-bit counter
// like the chips' (it wraps to negative after 2^31 - 1 ms, about 24.8 days).
import { clock } from './clock.js';

const Time = {
  get ticks(): number { return clock.now | 0; },
  delta: function (start: number, end?: number): number { return (end === undefined ? clock.now : end) - start; },
};

export default Time;
