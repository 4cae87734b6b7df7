// Fake of Moddable's `time` module: Time.ticks is the manual clock (ms).
import { clock } from './clock.js';

const Time = {
  get ticks(): number { return clock.now; },
  delta: function (start: number, end?: number): number { return (end === undefined ? clock.now : end) - start; },
};

export default Time;
