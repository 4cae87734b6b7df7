// The conformance runner itself: a mark on a case that passes fails the run (so a fix tells the
// lead to remove it), an unmarked failure fails it, lines and cut patterns mean what the table's
// authors assume.
import test from 'ava';
import type { Case } from './conformance/types.js';
import { judge, lineMatches } from './conformance/run.js';
import { Net } from './conformance/net.js';
import { mqttDriver } from './conformance/mqtt-driver.js';
import { liteDriver } from './conformance/lite-driver.js';
import { CONNECT_DEV1, DIAL, connect, expect, open } from './conformance/steps.js';

const passing: Case = { name: 'runner: passing', steps: [connect(), open(), expect(DIAL, CONNECT_DEV1)] };
const failing: Case = { name: 'runner: failing', steps: [connect(), open(), expect(DIAL, 'CONNECT someone-else clean k=60')] };

test('runner: an unmarked case passes or fails as it runs', (t) => {
  t.is(judge(mqttDriver, passing).status, 'pass');
  t.is(judge(mqttDriver, failing).status, 'fail');
});

test('runner: a knownDefect case counts only while it still fails', (t) => {
  t.is(judge(mqttDriver, { ...failing, knownDefect: { mqtt: 'x' } }).status, 'known-defect');
  t.is(judge(mqttDriver, { ...passing, knownDefect: { mqtt: 'x' } }).status, 'defect-fixed');
  t.is(judge(liteDriver, { ...failing, knownDefect: { mqtt: 'x' } }).status, 'fail', 'the mark is per client');
});

test('runner: a case a client is listed as lacking must still fail for it', (t) => {
  t.is(judge(liteDriver, { ...passing, differs: ['handlers'] }).status, 'difference-gone');
  t.is(judge(liteDriver, { ...failing, differs: ['handlers'] }).status, 'difference');
  t.is(judge(mqttDriver, { ...passing, differs: ['handlers'] }).status, 'pass', 'the client that has it runs it as usual');
  t.is(judge(liteDriver, { ...passing, options: { servers: ['mqtt://b'] } }).status, 'fail', 'no API and no difference mark');
});

test('runner: expected lines — exact, error code alone, * for one word, … for any text', (t) => {
  t.true(lineMatches('PUBACK 1', 'PUBACK 1'));
  t.false(lineMatches('PUBACK 1', 'PUBACK 12'));
  t.true(lineMatches('onError PING_TIMEOUT', 'onError PING_TIMEOUT: no answer'));
  t.false(lineMatches('onError PING_TIMEOUT', 'onError PING_TIMEOUTS: x'));
  t.false(lineMatches('onError X: a', 'onError X: ab'));
  t.true(lineMatches('PUBLISH t q1 id=* "a"', 'PUBLISH t q1 id=17 "a"'));
  t.false(lineMatches('PUBLISH t q1 id=* "a"', 'PUBLISH t q1 id=17 dup "a"'));
  t.true(lineMatches('onError S: …"home/led"…', 'onError S: refused "home/led" (SUBACK 0x80)'));
  t.false(lineMatches('onError S: …"home/led"…', 'onError S: refused "home"'));
});

test('runner: cut patterns deliver every byte in order — whole, one per chunk, or seeded random pieces', (t) => {
  const bytes: number[] = [];
  for (let i = 0; i < 1000; i++) bytes.push(i & 255);
  t.deepEqual(new Net('whole', 1, '').chunks(bytes), [bytes]);
  t.is(new Net('bytes', 1, '').chunks(bytes).length, 1000);
  const r = new Net('random', 7, '').chunks(bytes);
  t.deepEqual(([] as number[]).concat(...r), bytes);
  t.true(r.length > 20 && r.some((c) => c.length === 1) && r.some((c) => c.length > 8), 'short and long pieces');
  t.deepEqual(new Net('random', 7, '').chunks(bytes), r, 'the same seed cuts the same way');
});
