// Allocation-free stand-ins for the Moddable engine modules src/platform/moddable.ts imports, for
// the allocation test (alloc.ts) inside XS: whatever the measured loops allocate is the client's
// and the adapter's, never the fakes'. (test/helpers/moddable-fakes/ models the engine more fully
// for behaviour tests, at the price of allocating.) Bundled in place of the real modules by
// scripts/test-xs.ts; fakes/ holds one default export per module name.

export const fakeClock = { ticks: 5000 };

// ---- timer: fixed slots, fired by fireTimers() when due ----
const SLOTS = 8;
const due: number[] = [], fns: (((t: unknown) => void) | null)[] = [];
for (let i = 0; i < SLOTS; i++) { due.push(0); fns.push(null); }

export const FakeTimer = {
  set(fn: (t: unknown) => void, ms?: number): number {
    for (let i = 0; i < SLOTS; i++) {
      if (fns[i] === null) { fns[i] = fn; due[i] = fakeClock.ticks + (ms || 0); return i + 1; }
    }
    throw new Error('alloc fakes: more than ' + SLOTS + ' timers');
  },
  clear(h: number): void { if (h >= 1 && h <= SLOTS) fns[h - 1] = null; },
};

/** Runs every timer that is due, and those they set that are due too. */
export function fireTimers(): void {
  for (let round = 0; round < 8; round++) {
    let any = false;
    for (let i = 0; i < SLOTS; i++) {
      const fn = fns[i];
      if (fn !== null && due[i] <= fakeClock.ticks) { fns[i] = null; any = true; fn(i + 1); }
    }
    if (!any) return;
  }
}

export const FakeTime = { get ticks(): number { return fakeClock.ticks; } };

export const FakeNet = {
  get(): string { return '12:34:56:78:9a:bc'; },
  resolve(): void { throw new Error('alloc fakes: no DNS (use an address)'); },
};

// ---- embedded:io/socket/tcp: the last socket made is the one the test drives ----
interface Options { onReadable(n: number): void; onWritable(n: number): void; onError(): void }
let current: FakeTCP | null = null;

export class FakeTCP {
  private o: Options;
  private inbox: Uint8Array;
  private at: number;
  private end: number;
  writes: number; bytes: number; pings: number;
  private last: Uint8Array;
  constructor(options: Options) {
    this.o = options;
    this.inbox = new Uint8Array(0); this.at = 0; this.end = 0;
    this.writes = 0; this.bytes = 0; this.pings = 0;
    this.last = this.inbox;
    current = this;
  }
  // -- what the adapter calls --
  read(into: Uint8Array): number {
    const n = into.length;
    if (n > this.end - this.at) throw new Error('invalid');
    for (let i = 0; i < n; i++) into[i] = this.inbox[this.at + i];
    this.at += n;
    return n;
  }
  write(v: Uint8Array): void {
    this.writes++;
    this.bytes += v.length;
    if (v[0] === 0xc0) this.pings++;
    this.last = v;
  }
  close(): void { if (current === this) current = null; }
  // -- what the test calls --
  open(budget: number): void { this.o.onWritable(budget); }
  /** The broker sends bytes[start..end); a real socket announces them with onReadable. */
  deliver(bytes: Uint8Array, start: number, end: number): void {
    this.inbox = bytes; this.at = start; this.end = end;
    this.o.onReadable(end - start);
    this.sent();
  }
  /** What was written has gone out: the socket can take a segment's worth again. */
  sent(): void { this.o.onWritable(1460); }
  written(): number[] { return Array.prototype.slice.call(this.last) as number[]; }
  reset(): void { this.writes = this.bytes = this.pings = 0; }
}

export function fakeSocket(): FakeTCP {
  if (current === null) throw new Error('alloc fakes: no socket open');
  return current;
}

/** text/encoder: the engine's native class (kept as a global by the worker for this test). */
declare const TextEncoder: new () => { encodeInto(s: string, into: Uint8Array): { read: number; written: number } };
export const FakeTextEncoder = TextEncoder;
