// npm run fuzz [-- --inputs N] [--client MqttClient|LiteClient] [--seed S] [--write]
// Feeds N generated inputs (default 10⁶) to each client through test/helpers/fuzz.ts, with one
// client per campaign, and reports inputs per second, line coverage of src/ (V8's, see
// scripts/coverage.ts), the heap slope (after a full GC every batch) and every failure.
// --write puts the figures into BENCHMARKS.md's fuzz section. Exits 1 on any failure or when
// the heap grows with input.
import v8 from 'node:v8';
import vm from 'node:vm';
import { start as startCoverage, take, total, type FileCoverage } from './coverage.js';
import { writeSection } from './benchmarks-section.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function arg(name: string, def: string): string {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const INPUTS = Number(arg('inputs', '1000000'));
const SEED = Number(arg('seed', '13'));
const ONLY = arg('client', '');
const BATCH = 10000;

interface Campaign {
  kind: string; inputs: number; seconds: number; failures: Array<{ input: unknown; problem: string }>;
  heap: number[]; slopePer1e5: number; growth: number; coverage: FileCoverage[];
  stats: { bytes: number; messages: number; links: number; restarts: number; errors: Record<string, number> };
}

/** Least-squares slope of ys over their index, per index step. */
function slope(ys: number[]): number {
  const n = ys.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2, my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) { num += (i - mx) * (ys[i] - my); den += (i - mx) * (i - mx); }
  return num / den;
}

async function main(): Promise<void> {
  // Coverage must start before the client modules are compiled, hence the dynamic imports.
  await startCoverage();
  const fc = (await import('fast-check')).default;
  const { input, makeDriver, knownCodes } = await import('../test/helpers/fuzz.js');
  const codes = knownCodes();
  const kinds = (ONLY ? [ONLY] : ['MqttClient', 'LiteClient']) as Array<'MqttClient' | 'LiteClient'>;
  const campaigns: Campaign[] = [];
  await take(() => true);        // drop what importing ran
  for (const kind of kinds) {
    const driver = makeDriver(kind, codes);
    const failures: Campaign['failures'] = [];
    const heap: number[] = [];
    const t0 = process.hrtime.bigint();
    let done = 0;
    for (let b = 0; done < INPUTS; b++) {
      const n = Math.min(BATCH, INPUTS - done);
      const batch = fc.sample(input, { seed: SEED * 1000003 + b, numRuns: n });
      for (const steps of batch) {
        const problem = driver.run(steps);
        if (problem && failures.length < 20) failures.push({ input: steps, problem });
      }
      done += n;
      gc();
      heap.push(process.memoryUsage().heapUsed);
      if (b % 10 === 9) process.stderr.write(kind + ': ' + done + ' inputs, ' + failures.length + ' failures\r');
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const coverage = await take((f) => kind === 'LiteClient' ? f.startsWith('src/lite/') || f === 'src/errors.js'
      : !f.startsWith('src/lite/') && !f.startsWith('src/platform/') && !f.startsWith('src/apps/') && !f.startsWith('src/drivers/'));
    // the first tenth warms up (JIT, lazily made objects); the slope is taken over the rest
    const steady = heap.slice(Math.floor(heap.length / 10));
    const perBatch = slope(steady);
    const growth = steady.length > 1 ? steady[steady.length - 1] - steady[0] : 0;
    campaigns.push({ kind, inputs: done, seconds, failures, heap, slopePer1e5: perBatch * (100000 / BATCH), growth, coverage, stats: driver.stats });
    process.stderr.write('\n');
  }

  const lines: string[] = [];
  lines.push('| client | inputs | inputs/s | input bytes | messages delivered | links (CONNACKs) | errors reported | failures | heap slope (steady) | src/ lines covered | functions covered |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const c of campaigns) {
    const t = total(c.coverage);
    const errs = Object.values(c.stats.errors).reduce((a, b) => a + b, 0);
    lines.push('| ' + [c.kind, c.inputs.toLocaleString('en-US'), Math.round(c.inputs / c.seconds).toLocaleString('en-US'),
      c.stats.bytes.toLocaleString('en-US'), c.stats.messages.toLocaleString('en-US'), c.stats.links.toLocaleString('en-US'),
      errs.toLocaleString('en-US'), String(c.failures.length),
      (c.slopePer1e5 / 1024).toFixed(1) + ' KB per 10⁵ inputs (' + (c.growth / 1024).toFixed(0) + ' KB over the run)',
      (100 * t.covered / t.lines).toFixed(1) + ' % (' + t.covered + '/' + t.lines + ')',
      (100 * t.functionsCovered / Math.max(1, t.functions)).toFixed(1) + ' %'].join(' | ') + ' |');
  }
  lines.push('');
  for (const c of campaigns) {
    lines.push('Coverage by file, ' + c.kind + ': ' + c.coverage.map((f) => f.file.replace(/^src\//, '').replace(/\.js$/, '.ts') + ' ' +
      (100 * f.covered / Math.max(1, f.lines)).toFixed(0) + ' %').join(', ') + '.');
    lines.push('');
    lines.push('Errors reported, ' + c.kind + ': ' + Object.entries(c.stats.errors).sort((a, b) => b[1] - a[1])
      .map(([k, v]) => k + ' ' + v.toLocaleString('en-US')).join(', ') + '.');
    lines.push('');
  }
  const table = lines.join('\n');
  console.log(table);
  let bad = false;
  for (const c of campaigns) {
    for (const f of c.failures.slice(0, 3)) console.log('\nFAILURE ' + c.kind + ': ' + f.problem + '\ninput: ' + JSON.stringify(f.input));
    // 64 KB of steady growth per 10⁵ inputs would be under a byte per input: noise; more is a leak
    if (c.failures.length > 0 || c.slopePer1e5 > 64 * 1024) bad = true;
  }
  if (process.argv.includes('--write')) {
    writeSection('fuzz', [
      '## Fuzzing (`npm run fuzz`)', '',
      '_Run ' + new Date().toISOString().slice(0, 19) + 'Z, seed ' + SEED + ', ' + campaigns.map((c) => c.seconds.toFixed(0) + ' s ' + c.kind).join(', ') + '._', '',
      'Each input is a broker byte stream fed after a valid CONNACK — random bytes, valid packets (any PUBLISH QoS, flags,',
      'UTF-8 or invalid topics, payloads up to 400 bytes against a 256-byte receive buffer, acks, a second CONNACK, any',
      'packet type), or valid packets with bit flips, overwrites, insertions, deletions and truncation — cut into chunks',
      'of 1 to 64 bytes, with publish/subscribe/unsubscribe calls and clock steps of up to 70 s between chunks. One',
      'client per campaign takes every input through its public API on the scripted platforms (test/helpers/fuzz.ts;',
      'generated with fast-check). An input fails when anything throws out of the client, onError gets anything but an',
      'MqttError with a code from src/errors.ts, a call answers anything else, the client writes a partial packet (or,',
      'LiteClient, writes on a closed link), or more than 8 timers are pending. The heap is sampled after a full GC every',
      '10⁴ inputs; the slope is fitted over the last 90 % of samples. Coverage is V8\'s block coverage mapped to lines of',
      'the compiled src/ (scripts/coverage.ts); the MqttClient row counts client, session, codec, topic, url and errors,',
      'the LiteClient row src/lite/ and errors. Inputs per second include generating them (fast-check). `npm test` runs',
      'a 10⁴-input slice of each (test/fuzz.test.ts).', '',
      table,
    ].join('\n'));
  }
  process.exit(bad ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(2); });
