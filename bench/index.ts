// `npm run bench` runs every part; `node build/bench/index.js <part> [<part>…]` runs some.
// Benchmarks report, they never fail: a part that cannot run records why, and the exit code is 0.
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PARTS, TITLES, printPart, saveResult, writeBenchmarksMd, type PartResult } from './report.js';

export type PartBody = Omit<PartResult, 'part' | 'date' | 'seconds'>;

async function load(part: string): Promise<() => Promise<PartBody>> {
  switch (part) {
    case 'size': return (await import('./size.js')).run;
    case 'xs': return (await import('./xs.js')).run;
    case 'node': return (await import('./throughput.js')).run;
    case 'parser': return (await import('./parser.js')).run;
    case 'fleet': return (await import('./fleet.js')).run;
    case 'moddable': return (await import('./moddable.js')).run;
  }
  throw new Error('unknown part ' + part);
}

async function runPart(part: string): Promise<PartResult> {
  const t0 = Date.now();
  let body: PartBody;
  try {
    body = await (await load(part))();
  } catch (e) {
    body = {
      title: TITLES[part], method: [], tables: [], targets: [],
      notes: ['**This part could not run:** `' + String((e as Error).stack || e).split('\n').slice(0, 3).join(' / ') + '`'],
    };
  }
  return Object.assign({ part: part, date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), seconds: (Date.now() - t0) / 1000 }, body);
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const bad = asked.filter((p) => PARTS.indexOf(p) < 0);
  if (bad.length) {
    console.error('unknown part(s): ' + bad.join(', ') + '; parts are: ' + PARTS.join(', '));
    process.exitCode = 2;
    return;
  }
  const parts = asked.length ? asked : PARTS;
  if (parts.length > 1) {
    // One process per part: the XS part loads SES (@endo/init), whose lockdown of the intrinsics
    // makes V8 run typed-array code many times slower, which would poison the Node parts after it.
    for (const p of parts) {
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), p], { stdio: 'inherit', timeout: p === 'moddable' ? 900000 : 240000 });
      if (r.status !== 0) console.log('part ' + p + ' exited with ' + (r.status === null ? r.signal : r.status));
    }
    writeBenchmarksMd(path.resolve('BENCHMARKS.md'));
    console.log('\nwrote ' + path.resolve('BENCHMARKS.md'));
    return;
  }
  for (const p of parts) {
    console.log('\n### running ' + p + ' …');
    const r = await runPart(p);
    saveResult(r);
    printPart(r);
  }
  const file = path.resolve('BENCHMARKS.md');
  writeBenchmarksMd(file);
  console.log('\nwrote ' + file);
}

main().then(() => {
  // Stray sockets or timers of a baseline library must not keep the bench alive.
  setTimeout(() => process.exit(process.exitCode || 0), 200).unref();
}, (e) => { console.error(e); process.exit(0); });
