// What every benchmark part returns, how it is printed, and how BENCHMARKS.md is assembled.
// Each part's last result is kept as JSON under build/bench-results/, so running one part
// rewrites BENCHMARKS.md with that part fresh and the others from their last run.
import fs from 'node:fs';
import path from 'node:path';
import { machineInfo, type Machine } from './machine.js';
import { ownedSections, SECTION_RE } from '../scripts/benchmarks-section.js';

export interface Table { title?: string; headers: string[]; rows: (string | number)[][] }
export interface Target { name: string; target: string; measured: string; met: boolean | null }
export interface PartResult {
  part: string;
  title: string;
  method: string[];          // markdown paragraphs / bullet lines
  tables: Table[];
  targets: Target[];
  notes: string[];           // what limits us, what was not measured and why
  date: string;
  seconds: number;
}

export const PARTS = ['size', 'xs', 'node', 'parser', 'fleet', 'moddable'];
export const TITLES: Record<string, string> = {
  size: '1. Code size', xs: '2. XS cost per operation', node: '3. Node.js throughput and latency',
  parser: '4. Parser throughput', fleet: '5. Fleet memory and scale', moddable: '6. Real Moddable XS (mcsim)',
};
const RESULTS_DIR = path.resolve('build', 'bench-results');

export function fmt(n: number, digits?: number): string {
  if (!isFinite(n)) return 'n/a';
  const d = digits === undefined ? (Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2) : digits;
  // Not toLocaleString: the XS part loads SES (@endo/init), which tames it into toString.
  const parts = Math.abs(n).toFixed(d).split('.');
  parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return (n < 0 ? '-' : '') + parts.join('.');
}
export function ratio(a: number, b: number): string {
  if (!isFinite(a) || !isFinite(b) || b === 0) return 'n/a';
  return fmt(a / b, 2) + '×';
}
export function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function markdownTable(t: Table): string {
  const lines: string[] = [];
  if (t.title) lines.push('**' + t.title + '**', '');
  lines.push('| ' + t.headers.join(' | ') + ' |');
  lines.push('|' + t.headers.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|') + '|');
  for (const r of t.rows) lines.push('| ' + r.map(String).join(' | ') + ' |');
  return lines.join('\n');
}

function targetTable(ts: Target[]): Table {
  return {
    title: 'Targets',
    headers: ['target', 'goal', 'measured', 'status'],
    rows: ts.map((t) => [t.name, t.target, t.measured, t.met === null ? 'not measured' : t.met ? '**met**' : '**missed**']),
  };
}

export function printPart(r: PartResult): void {
  console.log('\n== ' + r.title + ' (' + fmt(r.seconds, 1) + ' s)');
  for (const t of r.tables) console.log('\n' + markdownTable(t));
  if (r.targets.length) console.log('\n' + markdownTable(targetTable(r.targets)));
  for (const n of r.notes) console.log('\n' + n);
}

export function saveResult(r: PartResult): void {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, r.part + '.json'), JSON.stringify(r, null, 1));
}

function loadResult(part: string): PartResult | null {
  try { return JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, part + '.json'), 'utf8')) as PartResult; }
  catch (e) { return null; }
}

function machineSection(m: Machine): string {
  return [
    '## Machine', '',
    '| | |', '| --- | --- |',
    '| CPU | ' + m.cpu + ' × ' + m.cores + ' cores (shared with other jobs while measuring) |',
    '| memory | ' + m.memory + ' |',
    '| OS | ' + m.os + ' |',
    '| Node.js | ' + m.node + ' |',
    '| mosquitto | ' + m.mosquitto + ' |',
    '| MQTT.js (`mqtt`) | ' + m.mqtt + ' |',
    '| mqtt-packet | ' + m.mqttPacket + ' |',
    '| @agoric/xsnap | ' + m.xsnap + ' |',
    '| esbuild / terser / SWC | ' + m.esbuild + ' / ' + m.terser + ' / ' + m.swc + ' |',
  ].join('\n');
}

// The sections of an existing BENCHMARKS.md, by title, so that a part with no stored result here
// (run on another machine, or not run in this checkout) keeps what it last reported.
function existingSections(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  let text = '';
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { return out; }
  // (the sections other scripts own are carried over separately, by ownedSections)
  const parts = text.replace(SECTION_RE, '').split(/\n(?=## )/);
  for (const p of parts) {
    const m = /^## (.+)\n/.exec(p);
    if (m) out[m[1]] = p.trim();
  }
  return out;
}

// The rows of the "**Targets**" table inside a kept section, for the at-a-glance table.
function keptTargetRows(section: string): string[] {
  const at = section.indexOf('**Targets**');
  if (at < 0) return [];
  const lines = section.slice(at).split('\n').slice(2); // the title and the blank line
  const rows: string[] = [];
  for (const l of lines.slice(2)) { if (!l.startsWith('| ')) break; rows.push(l); } // past header and separator
  return rows;
}

export function writeBenchmarksMd(file: string): void {
  const m = machineInfo();
  const results = PARTS.map(loadResult).filter((r): r is PartResult => r !== null);
  const old = existingSections(file);
  const kept = PARTS.filter((p) => !results.some((r) => r.part === p) && old[TITLES[p]] !== undefined);
  const out: string[] = [
    '# Benchmarks', '',
    'Generated by `npm run bench` (one part: `node build/bench/index.js <' + PARTS.join('|') + '>`).',
    'Benchmarks never fail the build; they measure and report. Every comparison runs both sides in',
    'the same run on the same machine. Each part states the date it was last run.', '',
    machineSection(m), '',
  ];
  if (kept.length) {
    out.push('Kept as they were from the previous BENCHMARKS.md, not measured in this checkout (possibly on another machine; their dates say when): ' +
      kept.map((p) => TITLES[p]).join(', ') + '.', '');
  }
  const glance: string[] = [];
  for (const p of PARTS) {
    const r = results.filter((x) => x.part === p)[0];
    if (r) glance.push.apply(glance, markdownTable(targetTable(r.targets)).split('\n').slice(4));
    else if (kept.indexOf(p) >= 0) glance.push.apply(glance, keptTargetRows(old[TITLES[p]]));
  }
  if (glance.length) out.push('## Targets at a glance', '', '| target | goal | measured | status |', '| --- | ---: | ---: | ---: |', glance.join('\n'), '');
  for (const p of PARTS) {
    const r = results.filter((x) => x.part === p)[0];
    if (!r) { if (kept.indexOf(p) >= 0) out.push(old[TITLES[p]], ''); continue; }
    out.push('## ' + r.title, '', '_Run ' + r.date + ', ' + fmt(r.seconds, 1) + ' s._', '', '### Method', '');
    for (const line of r.method) out.push(line);
    out.push('', '### Results', '');
    for (const t of r.tables) out.push(markdownTable(t), '');
    if (r.targets.length) out.push(markdownTable(targetTable(r.targets)), '');
    if (r.notes.length) { out.push('### Notes', ''); for (const n of r.notes) out.push(n, ''); }
  }
  const missing = PARTS.filter((p) => !results.some((r) => r.part === p) && kept.indexOf(p) < 0);
  if (missing.length) out.push('## Not run yet', '', 'No results stored for: ' + missing.join(', ') + '.', '');
  // Sections other scripts own (npm run fuzz, npm run soak, the fault figures) are kept as they are.
  const owned = fs.existsSync(file) ? ownedSections(fs.readFileSync(file, 'utf8')) : [];
  for (const k of owned) out.push(k, '');
  fs.writeFileSync(file, out.join('\n').replace(/\n{3,}/g, '\n\n'));
}
