// The shared conformance table (test/conformance/) through both clients on Node: one ava test per
// case and client, each run under every cut of the broker's byte stream. A knownDefect case passes
// here only while it still fails (the test says when the mark can go); so does a case a client is
// listed in DIFFERENCES as lacking. scripts/test-xs.ts runs the same table inside XS.
import anyTest from 'ava';
import { TABLE } from './conformance/table.js';
import { checkTable, judge, summary } from './conformance/run.js';
import type { Verdict } from './conformance/run.js';
import { mqttDriver } from './conformance/mqtt-driver.js';
import { liteDriver } from './conformance/lite-driver.js';

const drivers = [mqttDriver, liteDriver];
const verdicts: Verdict[] = [];

anyTest('conformance: the table\'s marks are consistent', (t) => {
  t.deepEqual(checkTable(TABLE), []);
});

for (const d of drivers) {
  for (const k of TABLE) {
    anyTest(d.name + ' › ' + k.name, (t) => {
      const v = judge(d, k);
      verdicts.push(v);
      if (v.status === 'known-defect' || v.status === 'difference') t.log(v.status + ': ' + v.why);
      if (v.status === 'pass' || v.status === 'known-defect' || v.status === 'difference') t.pass();
      else t.fail(v.status + ': ' + v.why);
    });
  }
}

anyTest.after.always(() => {
  if (verdicts.length === drivers.length * TABLE.length) console.log(summary(TABLE, verdicts, drivers));
});
