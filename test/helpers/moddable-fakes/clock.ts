// A manual clock shared by the fake `timer`, `time`, `net` and `embedded:io/socket/tcp`: nothing
// happens until the test advances it, so every run inside XS is deterministic and instant.
// Socket and DNS callbacks are queued here too (at 0 ms), as the Moddable runtime delivers them
// from its event loop, never inside the call that caused them.

export interface Task { due: number; seq: number; fn: (arg: unknown) => void; arg: unknown; interval: number; repeat: number; live: boolean }

export const clock = { now: 0, seq: 0, tasks: [] as Task[], fired: 0 };

export function schedule(fn: (arg: unknown) => void, ms: number, repeat: number, arg: unknown): Task {
  const t: Task = { due: clock.now + (ms > 0 ? ms : 0), seq: clock.seq++, fn: fn, arg: arg, interval: ms, repeat: repeat, live: true };
  clock.tasks.push(t);
  return t;
}

export function cancel(t: Task): void {
  t.live = false;
  const i = clock.tasks.indexOf(t);
  if (i >= 0) clock.tasks.splice(i, 1);
}

/** Runs everything due up to now + ms in time order (ties: scheduling order), then sets now. */
export function advance(ms: number): void {
  const end = clock.now + ms;
  for (let guard = 0; guard < 100000; guard++) {
    let next: Task | null = null;
    for (const t of clock.tasks) {
      if (t.due <= end && (next === null || t.due < next.due || (t.due === next.due && t.seq < next.seq))) next = t;
    }
    if (next === null) { clock.now = end; return; }
    clock.now = next.due;
    if (next.repeat > 0) { next.due = clock.now + next.repeat; next.seq = clock.seq++; }
    else cancel(next);
    clock.fired++;
    next.fn(next.arg);
  }
  throw new Error('fake clock: more than 100000 callbacks in one advance (a timer loop?)');
}

export function resetClock(start: number): void {
  clock.now = start;
  clock.seq = 0;
  clock.tasks = [];
  clock.fired = 0;
}
