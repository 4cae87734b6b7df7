// README.md's figure markers: `<!--fig:NAME-->value<!--/fig-->`. The comments are invisible on
// GitHub; the value between them is filled in from BENCHMARKS.md (figures.ts) by
// `npm run readme:figures`, and a test fails while README holds a value BENCHMARKS.md does not.
import { FigureSourceError, type MdPart } from './benchmarks-md.js';

export const MARKER = /<!--fig:([\w.-]+)-->([^<\n]*)<!--\/fig-->/g;

export interface Change { name: string; line: number; from: string; to: string }
export interface Problem { name: string; line: number; message: string }
export interface Filled { text: string; changes: Change[]; problems: Problem[]; markers: number }

function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** README with every marked figure set from BENCHMARKS.md, and what changed or could not be found. */
export function fillFigures(readme: string, parts: MdPart[], figures: Record<string, (p: MdPart[]) => string>): Filled {
  const changes: Change[] = [];
  const problems: Problem[] = [];
  let markers = 0;
  const text = readme.replace(MARKER, (whole: string, name: string, value: string, offset: number) => {
    markers++;
    const source = figures[name];
    if (!source) {
      problems.push({ name, line: lineOf(readme, offset), message: 'no figure of that name in scripts/figures/figures.ts' });
      return whole;
    }
    let want: string;
    try {
      want = source(parts);
    } catch (e) {
      if (!(e instanceof FigureSourceError)) throw e;
      problems.push({ name, line: lineOf(readme, offset), message: e.message });
      return whole;
    }
    if (want.indexOf('<') >= 0) {
      problems.push({ name, line: lineOf(readme, offset), message: 'BENCHMARKS.md gives "' + want + '", which cannot sit inside a marker' });
      return whole;
    }
    if (want !== value) changes.push({ name, line: lineOf(readme, offset), from: value, to: want });
    return '<!--fig:' + name + '-->' + want + '<!--/fig-->';
  });
  return { text, changes, problems, markers };
}

/** Opening or closing markers that do not pair up as `<!--fig:NAME-->value<!--/fig-->`. */
export function strayMarkers(readme: string): number[] {
  const rest = readme.replace(MARKER, '');
  const lines: number[] = [];
  const stray = /<!--\s*\/?fig\b/g;
  let m: RegExpExecArray | null;
  while ((m = stray.exec(rest)) !== null) lines.push(lineOf(rest, m.index));
  return lines;
}
