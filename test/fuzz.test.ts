// A 10⁴-input slice of `npm run fuzz` for each client (test/helpers/fuzz.ts): generated broker
// streams, mutated packets and any chunking through the public API, one client kept across all
// inputs. Nothing may throw out of the client, every reported failure is an MqttError with a
// known code, what it writes is whole packets, its timers stay few and its heap does not grow.
import test from 'ava';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { input, knownCodes, makeDriver, type DriverKind } from './helpers/fuzz.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

for (const kind of ['MqttClient', 'LiteClient'] as DriverKind[]) {
  test(kind + ': 10 000 fuzzed broker streams: no throw, only known MqttError codes, whole packets, flat heap', (t) => {
    t.timeout(60000);
    const driver = makeDriver(kind, knownCodes());
    const failures: string[] = [];
    const heap: number[] = [];
    for (let b = 0; b < 10; b++) {
      for (const steps of fc.sample(input, { seed: 4242 + b, numRuns: 1000 })) {
        const p = driver.run(steps);
        if (p && failures.length < 5) failures.push(p + '\n  input: ' + JSON.stringify(steps));
      }
      gc();
      heap.push(process.memoryUsage().heapUsed);
    }
    t.deepEqual(failures, []);
    t.is(driver.stats.inputs, 10000);
    // the input did reach the client: links were made, messages delivered, errors reported
    t.true(driver.stats.links > 1000 && driver.stats.messages > 1000, JSON.stringify(driver.stats));
    const growth = heap[heap.length - 1] - heap[2];
    t.true(growth < 1024 * 1024, 'heap grew ' + Math.round(growth / 1024) + ' KB over 8 000 inputs: ' + heap.map((h) => Math.round(h / 1024)).join(' '));
    t.log(kind + ': ' + driver.stats.links + ' links, ' + driver.stats.messages + ' messages, errors ' + JSON.stringify(driver.stats.errors) +
      ', heap after GC ' + heap.map((h) => Math.round(h / 1024)).join(' ') + ' KB');
  });
}
