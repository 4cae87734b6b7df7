// The core's tests are plain functions of bytes and time. They register here, and two runners
// execute the same list: ava on Node (test/core.test.ts) and xsnap inside XS (scripts/test-xs.ts).
// So these files must use only what XS has: no Node API, no ava, no fast-check.

export interface Assert {
  is(actual: unknown, expected: unknown, message?: string): void;
  not(actual: unknown, expected: unknown, message?: string): void;
  true(value: unknown, message?: string): void;
  false(value: unknown, message?: string): void;
  deepEqual(actual: unknown, expected: unknown, message?: string): void;
  bytes(actual: Uint8Array, expected: ArrayLike<number>, message?: string): void;
  throwsCode(fn: () => unknown, code: string, message?: string): void;
  fail(message: string): void;
}

export interface Case { name: string; fn: (t: Assert) => void }
export const cases: Case[] = [];

export function test(name: string, fn: (t: Assert) => void): void {
  cases.push({ name: name, fn: fn });
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return '<' + Array.prototype.map.call(v, (b: number) => (b < 16 ? '0' : '') + b.toString(16)).join(' ') + '>';
  try { return JSON.stringify(v); } catch (e) { return String(v); }
}

function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (ArrayBuffer.isView(a) || Array.isArray(a)) {
    const x = a as unknown as ArrayLike<unknown>, y = b as unknown as ArrayLike<unknown>;
    if (!(ArrayBuffer.isView(b) || Array.isArray(b)) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!equal(x[i], y[i])) return false;
    return true;
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined).sort();
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined).sort();
  if (ka.join() !== kb.join()) return false;
  for (const k of ka) if (!equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

export class AssertionFailed {
  message: string;
  constructor(message: string) { this.message = message; }
  toString(): string { return this.message; }
}

function check(ok: boolean, what: string, message?: string): void {
  if (!ok) throw new AssertionFailed((message ? message + ': ' : '') + what);
}

export function makeAssert(): Assert {
  return {
    is(a, b, m) { check(Object.is(a, b), 'expected ' + show(b) + ', got ' + show(a), m); },
    not(a, b, m) { check(!Object.is(a, b), 'expected anything but ' + show(b), m); },
    true(v, m) { check(v === true, 'expected true, got ' + show(v), m); },
    false(v, m) { check(v === false, 'expected false, got ' + show(v), m); },
    deepEqual(a, b, m) { check(equal(a, b), 'expected ' + show(b) + ', got ' + show(a), m); },
    bytes(a, b, m) { check(equal(Array.prototype.slice.call(a), Array.prototype.slice.call(b)), 'expected bytes ' + show(new Uint8Array(b as ArrayLike<number>)) + ', got ' + show(a), m); },
    throwsCode(fn, code, m) {
      let thrown: unknown = undefined, did = false;
      try { fn(); } catch (e) { thrown = e; did = true; }
      check(did, 'expected a throw with code ' + code + ', nothing was thrown', m);
      check((thrown as { code?: string }).code === code, 'expected code ' + code + ', got ' + show((thrown as { code?: string }).code) + ' (' + String(thrown) + ')', m);
    },
    fail(m) { check(false, 'failed', m); },
  };
}

/** Runs every case; used by the XS runner (ava registers them one by one instead). */
export function runAll(log: (line: string) => void): { passed: number; failed: number } {
  let passed = 0, failed = 0;
  for (const c of cases) {
    try { c.fn(makeAssert()); passed++; }
    catch (e) { failed++; log('not ok - ' + c.name + ': ' + String(e)); }
  }
  return { passed: passed, failed: failed };
}
