// Line coverage of the compiled src/ from V8's own block coverage (node:inspector), without a
// coverage package: start() before the code under test is imported, take() after. A line counts
// when the innermost V8 range holding its first character ran at least once. Lines are those of
// the tsc output in build/src (tsc keeps the shape of the TypeScript, comments included; blank,
// comment-only and lone-brace lines are not counted).
import inspector from 'node:inspector';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relative, resolve } from 'node:path';

export interface FileCoverage { file: string; lines: number; covered: number; functions: number; functionsCovered: number }

interface Range { startOffset: number; endOffset: number; count: number }
interface FunctionCov { functionName: string; ranges: Range[] }
interface ScriptCov { url: string; functions: FunctionCov[] }

const session = new inspector.Session();

function post<T>(method: string, params?: object): Promise<T> {
  return new Promise((res, rej) => session.post(method, params ?? {}, (err, r) => (err ? rej(err) : res(r as T))));
}

export async function start(): Promise<void> {
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
}

/** Coverage since start() or the last take() (V8 resets its counters), for build/src files matching `only`. */
export async function take(only: (srcPath: string) => boolean): Promise<FileCoverage[]> {
  const r = await post<{ result: ScriptCov[] }>('Profiler.takePreciseCoverage');
  const root = resolve('build');
  const out: FileCoverage[] = [];
  for (const s of r.result) {
    if (!s.url.startsWith('file://')) continue;
    const path = fileURLToPath(s.url);
    const rel = relative(root, path);
    if (!rel.startsWith('src/') || !only(rel)) continue;
    out.push(measure(rel, readFileSync(path, 'utf8'), s.functions));
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

function measure(file: string, text: string, fns: FunctionCov[]): FileCoverage {
  // every range, innermost last when sorted by start then by length (V8 nests them)
  const ranges: Range[] = [];
  for (const f of fns) for (const r of f.ranges) ranges.push(r);
  const countAt = (off: number): number => {
    let best: Range | null = null;
    for (const r of ranges) {
      if (r.startOffset <= off && off < r.endOffset && (best === null || r.endOffset - r.startOffset <= best.endOffset - best.startOffset)) best = r;
    }
    return best ? best.count : 0;
  };
  let lines = 0, covered = 0, off = 0, inBlockComment = false;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    const first = off + line.length - line.trimStart().length;
    off += line.length + 1;
    if (inBlockComment) { if (trimmed.includes('*/')) inBlockComment = false; continue; }
    if (trimmed.startsWith('/*')) { if (!trimmed.includes('*/')) inBlockComment = true; continue; }
    if (trimmed === '' || trimmed.startsWith('//') || /^[}\])]*;?$/.test(trimmed) || trimmed.startsWith('//# sourceMappingURL')) continue;
    lines++;
    if (countAt(first) > 0) covered++;
  }
  // functions: V8 lists each function once with its whole range first
  const named = fns.filter((f) => f.ranges.length > 0 && !(f.ranges[0].startOffset === 0 && f.ranges[0].endOffset >= text.length - 1));
  return { file, lines, covered, functions: named.length, functionsCovered: named.filter((f) => f.ranges[0].count > 0).length };
}

export function total(files: FileCoverage[]): FileCoverage {
  const t = { file: 'total', lines: 0, covered: 0, functions: 0, functionsCovered: 0 };
  for (const f of files) { t.lines += f.lines; t.covered += f.covered; t.functions += f.functions; t.functionsCovered += f.functionsCovered; }
  return t;
}
