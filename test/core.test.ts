// Runs the core's shared test cases (test/core/*.cases.ts) under ava on Node.
// scripts/test-xs.ts runs the very same cases inside Moddable's XS engine.
import anyTest from 'ava';
import { cases, makeAssert } from './core/harness.js';
import './core/all.js';

for (const c of cases) {
  anyTest(c.name, (t) => {
    c.fn(makeAssert());
    t.pass();
  });
}
