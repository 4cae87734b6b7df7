// `npm run test:xs`: the shared core cases, the conformance table (both clients) and the
// zero-allocation test, inside Moddable's XS.
// Prints every failure, then `xs: N passed, M failed`; exits non-zero on a failure or when no
// case ran.
import { bundle } from './xs/bundle.js';
import { startXs, type XsWorker } from './xs/worker.js';
import { allocChecks } from './xs/alloc-check.js';

let passed = 0, failed = 0;
function fail(line: string): void { failed++; console.log('not ok - ' + line); }

async function coreCases(): Promise<void> {
  let w: XsWorker | null = null;
  try {
    const source = await bundle({ entry: 'test/xs/core.ts', globalName: 'McuMqttCoreCases' });
    // Some cases encode megabyte packets: no compute limit, a wall-clock bound instead.
    w = await startXs(source, { name: 'core-cases', meteringLimit: 0, timeoutMs: 300_000 });
    const r = await w.command('core.run');
    const out = JSON.parse(r.reply) as { passed: number; failed: number; lines: string[] };
    for (const line of out.lines) console.log(line);
    passed += out.passed;
    failed += out.failed;
    if (out.passed + out.failed === 0) fail('no core case ran in XS');
    console.log(`xs: core cases: ${out.passed} passed, ${out.failed} failed (${r.meter.compute} compute units)`);
  } catch (e) {
    fail('core cases could not run in XS: ' + String(e instanceof Error ? e.message : e));
  } finally {
    if (w) await w.close();
  }
}

// The conformance table through MqttClient and LiteClient, judged as on Node: a known defect or a
// documented difference counts as passed only while it still fails.
async function conformance(): Promise<void> {
  let w: XsWorker | null = null;
  try {
    const source = await bundle({ entry: 'test/xs/conformance.ts', globalName: 'McuMqttConformance' });
    w = await startXs(source, { name: 'conformance', meteringLimit: 0, timeoutMs: 300_000 });
    const started = Date.now();
    const r = await w.command('conformance.run');
    const out = JSON.parse(r.reply) as { problems: string[]; summary: string;
      verdicts: { name: string; client: string; status: string; why: string }[] };
    for (const p of out.problems) fail('conformance table: ' + p);
    let ok = 0;
    for (const v of out.verdicts) {
      if (v.status === 'pass' || v.status === 'known-defect' || v.status === 'difference') ok++;
      else fail('conformance ' + v.client + ' › ' + v.name + ': ' + v.status + ': ' + v.why);
    }
    passed += ok;
    if (out.verdicts.length === 0) fail('no conformance case ran in XS');
    console.log('xs: ' + out.summary + ` (${r.meter.compute} compute units, ${Date.now() - started} ms)`);
  } catch (e) {
    fail('conformance could not run in XS: ' + String(e instanceof Error ? e.message : e));
  } finally {
    if (w) await w.close();
  }
}

async function allocation(): Promise<void> {
  let w: XsWorker | null = null;
  try {
    let source: string;
    try {
      source = await bundle({
        entry: 'test/xs/alloc.ts', globalName: 'McuMqttAlloc',
        modules: {
          'embedded:io/socket/tcp': 'test/xs/fakes/tcp.ts', timer: 'test/xs/fakes/timer.ts', time: 'test/xs/fakes/time.ts',
          net: 'test/xs/fakes/net.ts', 'text/encoder': 'test/xs/fakes/text-encoder.ts',
        },
      });
    } catch (e) {
      fail('allocation test: test/xs/alloc.ts does not bundle: ' +
        String(e instanceof Error ? e.message : e).split('\n').slice(0, 4).join(' '));
      return;
    }
    w = await startXs(source, { name: 'alloc', keepTextCodecs: true });
    for (const c of await allocChecks(w)) {
      console.log('xs: ' + c.report);
      if (c.ok) passed++; else fail(c.name + ': ' + c.why);
    }
  } catch (e) {
    fail('allocation test: ' + String(e instanceof Error ? e.message : e));
  } finally {
    if (w) await w.close();
  }
}

await coreCases();
await conformance();
await allocation();
if (passed + failed === 0) fail('no case ran');
console.log(`xs: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
