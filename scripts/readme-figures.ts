// `npm run readme:figures`: sets every marked figure in README.md (`<!--fig:NAME-->…<!--/fig-->`)
// from BENCHMARKS.md, which `npm run bench` writes; `npm run bench` runs this at its end.
// `--check` changes nothing and exits 1 when README disagrees with BENCHMARKS.md.
import fs from 'node:fs';
import path from 'node:path';
import { root } from './build/paths.js';
import { parseBenchmarks } from './figures/benchmarks-md.js';
import { FIGURES } from './figures/figures.js';
import { fillFigures, strayMarkers } from './figures/markers.js';

const check = process.argv.includes('--check');
const readmePath = path.join(root, 'README.md');
const readme = fs.readFileSync(readmePath, 'utf8');
const filled = fillFigures(readme, parseBenchmarks(fs.readFileSync(path.join(root, 'BENCHMARKS.md'), 'utf8')), FIGURES);

for (const p of filled.problems) console.error('README.md:' + p.line + ': figure ' + p.name + ': ' + p.message);
for (const line of strayMarkers(readme)) console.error('README.md:' + line + ': a figure marker that does not pair up');
for (const c of filled.changes) {
  console.log('README.md:' + c.line + ': ' + c.name + ' ' + JSON.stringify(c.from) + ' → ' + JSON.stringify(c.to) +
    (check ? ' (BENCHMARKS.md says so)' : ''));
}
const broken = filled.problems.length > 0 || strayMarkers(readme).length > 0;
if (check) {
  console.log(filled.markers + ' figures in README.md, ' + filled.changes.length + ' disagree with BENCHMARKS.md');
  process.exitCode = broken || filled.changes.length > 0 ? 1 : 0;
} else {
  if (filled.changes.length > 0) fs.writeFileSync(readmePath, filled.text);
  console.log(filled.markers + ' figures in README.md, ' + filled.changes.length + ' updated from BENCHMARKS.md');
  process.exitCode = broken ? 1 : 0;
}
