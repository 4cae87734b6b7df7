// README's figures come from BENCHMARKS.md (scripts/figures/): they agree now, a change in
// BENCHMARKS.md reaches README through the same code `npm run readme:figures` runs, a figure whose
// source disappeared is reported rather than left stale, and the Numbers tables hold no measured
// number typed in by hand.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { root } from '../scripts/build/paths.js';
import { parseBenchmarks } from '../scripts/figures/benchmarks-md.js';
import { FIGURES } from '../scripts/figures/figures.js';
import { fillFigures, strayMarkers, MARKER } from '../scripts/figures/markers.js';

const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const benchmarks = fs.readFileSync(path.join(root, 'BENCHMARKS.md'), 'utf8');

/** BENCHMARKS.md with one table row's cell replaced, as a new `npm run bench` would write it. */
function withCell(md: string, rowStart: string, column: number, value: string): string {
  const lines = md.split('\n');
  const i = lines.findIndex((l) => l.startsWith(rowStart));
  if (i < 0) throw new Error('no row ' + rowStart);
  const cells = lines[i].split('|');
  cells[column + 1] = ' ' + value + ' ';
  lines[i] = cells.join('|');
  return lines.join('\n');
}

test('README\'s figures agree with BENCHMARKS.md (npm run readme:figures copies them in)', (t) => {
  const filled = fillFigures(readme, parseBenchmarks(benchmarks), FIGURES);
  t.deepEqual(filled.problems, []);
  t.deepEqual(filled.changes, [], 'run `npm run readme:figures` after changing BENCHMARKS.md');
  t.deepEqual(strayMarkers(readme), []);
  t.true(filled.markers >= 60, filled.markers + ' figures marked');
});

test('a new figure in BENCHMARKS.md replaces the old one in README; a figure whose source row is gone is reported', (t) => {
  const parts = parseBenchmarks(benchmarks);
  const before = FIGURES['xs.side.qos0.ours'](parts);
  // XS side by side: | operation | ECMA-419 | `mqtt` | Espruino | MqttClient | LiteClient |
  const changed = withCell(benchmarks, '| QoS 0 publish "21.5" → temp', 4, '9 999 / 3');
  const filled = fillFigures(readme, parseBenchmarks(changed), FIGURES);
  t.deepEqual(filled.problems, []);
  t.deepEqual(filled.changes.map((c) => [c.name, c.from, c.to]), [['xs.side.qos0.ours', before, '9 999 / 3']]);
  t.true(filled.text.includes('<!--fig:xs.side.qos0.ours-->9 999 / 3<!--/fig-->'));
  t.deepEqual(fillFigures(filled.text, parseBenchmarks(changed), FIGURES).changes, [], 'filled once, it agrees');

  const renamed = benchmarks.replace('| QoS 1 publish + PUBACK |', '| QoS 1 publish, acknowledged |');
  const stale = fillFigures(readme, parseBenchmarks(renamed), FIGURES);
  // the side-by-side table's row (the first such row in the file) is renamed
  t.deepEqual(stale.problems.map((p) => p.name).sort(), ['xs.side.qos1.ecma419', 'xs.side.qos1.espruino', 'xs.side.qos1.mqtt', 'xs.side.qos1.ours']);
  t.regex(stale.problems[0].message, /no row "QoS 1 publish \+ PUBACK"/);
  t.is(stale.text, readme, 'nothing is guessed');
});

test('README\'s Numbers tables: every number in the measured columns (ours, baseline, result) is a marked figure', (t) => {
  const numbers = readme.slice(readme.indexOf('## Numbers\n'), readme.indexOf('\n## ', readme.indexOf('## Numbers\n') + 1));
  let header: string[] = [];
  const typed: string[] = [];
  for (const line of numbers.split('\n')) {
    if (!line.startsWith('|')) { header = []; continue; }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (header.length === 0) { header = cells; continue; }
    if (/^-+:?$/.test(cells[0])) continue;
    cells.forEach((c, i) => {
      const col = header[i];
      // the row's label (first column) and the goal, not measurements
      if (i === 0 || /^target/.test(col)) return;
      if (/\d/.test(c.replace(MARKER, ''))) typed.push(cells[0] + ' | ' + (col || 'result') + ': ' + c.replace(MARKER, '[fig]'));
    });
  }
  t.deepEqual(typed, []);
});

test('`node build/scripts/readme-figures.js --check` (npm run readme:figures -- --check) passes on this checkout', (t) => {
  const out = execFileSync(process.execPath, [path.join(root, 'build', 'scripts', 'readme-figures.js'), '--check'], { cwd: root, encoding: 'utf8' });
  t.regex(out, /^\d+ figures in README\.md, 0 disagree with BENCHMARKS\.md$/m);
});
