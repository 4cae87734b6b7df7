// BENCHMARKS.md (written by `npm run bench`, bench/report.ts) read back as data: its `## ` parts,
// each part's run date, and its tables with their captions, so README's figures can be looked up
// by part, table, row and column instead of being copied by hand.

export interface MdTable {
  caption: string;         // the bold line or `###` heading above the table, without the markup
  header: string[];
  rows: string[][];
}

export interface MdPart {
  title: string;           // e.g. "2. XS cost per operation"
  runDate: string;         // "2026-11-30" from `_Run 2026-11-30T11:10:42Z, 1.0 s._`, or '' when none
  tables: MdTable[];
}

/** Where one figure comes from. Matching is by prefix of the text, markup stripped. */
export interface CellRef {
  part: string;            // a prefix of the part's title after its number: "XS cost", "Machine"
  table?: string;          // a prefix of the table's caption; default: the part's first table with `column`
  row: string | string[];  // a prefix of the row's first cell, or of its first cells in turn
  column: string | number; // a header cell (exact) or a column index
}

export class FigureSourceError extends Error {}

function cells(line: string): string[] {
  // `\|` is a literal bar inside a cell.
  const parts = line.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/);
  return parts.map((c) => plain(c.replace(/\\\|/g, '|')));
}

/** Markdown emphasis removed, spaces trimmed: "**met**" → "met". */
export function plain(s: string): string {
  return s.replace(/\*\*/g, '').trim();
}

export function parseBenchmarks(markdown: string): MdPart[] {
  const parts: MdPart[] = [];
  let part: MdPart | null = null;
  let caption = '';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('## ')) {
      part = { title: line.slice(3).trim(), runDate: '', tables: [] };
      parts.push(part);
      caption = '';
      continue;
    }
    if (!part) continue;
    const run = /^_Run (\d{4}-\d{2}-\d{2})T/.exec(line);
    if (run) { part.runDate = run[1]; continue; }
    if (line.startsWith('### ')) { caption = line.slice(4).trim(); continue; }
    if (/^\*\*.+\*\*/.test(line)) { caption = plain(line); continue; }
    if (line.startsWith('|')) {
      const header = cells(line);
      const rows: string[][] = [];
      i += 2;   // past the header and the |---| line
      while (i < lines.length && lines[i].startsWith('|')) rows.push(cells(lines[i++]));
      i--;
      part.tables.push({ caption, header, rows });
    }
  }
  return parts;
}

function withoutNumber(title: string): string {
  return title.replace(/^\d+\.\s*/, '');
}

/** The text of one cell; throws FigureSourceError saying what was not found. */
export function lookup(parts: MdPart[], ref: CellRef): string {
  const part = parts.find((p) => withoutNumber(p.title).startsWith(ref.part));
  if (!part) throw new FigureSourceError('no part "' + ref.part + '" in BENCHMARKS.md');
  const hasColumn = (t: MdTable): boolean => typeof ref.column === 'number' ? t.header.length > ref.column : t.header.indexOf(ref.column) >= 0;
  const table = part.tables.find((t) => (ref.table === undefined || t.caption.startsWith(ref.table)) && hasColumn(t));
  if (!table) {
    throw new FigureSourceError('no table' + (ref.table ? ' "' + ref.table + '"' : '') + ' with column "' + ref.column + '" in part "' + part.title + '"');
  }
  const col = typeof ref.column === 'number' ? ref.column : table.header.indexOf(ref.column);
  const want = typeof ref.row === 'string' ? [ref.row] : ref.row;
  const row = table.rows.find((r) => want.every((w, i) => (r[i] ?? '').startsWith(w)));
  if (!row) throw new FigureSourceError('no row "' + want.join(' | ') + '" in "' + part.title + '" table "' + table.caption + '"');
  const value = row[col] ?? '';
  if (value === '') throw new FigureSourceError('empty cell: row "' + want.join(' | ') + '", column "' + ref.column + '" in "' + part.title + '"');
  return value;
}

/** The date a part was last run; throws when the part or its date is missing. */
export function runDate(parts: MdPart[], partPrefix: string): string {
  const part = parts.find((p) => withoutNumber(p.title).startsWith(partPrefix));
  if (!part) throw new FigureSourceError('no part "' + partPrefix + '" in BENCHMARKS.md');
  if (!part.runDate) throw new FigureSourceError('part "' + part.title + '" states no run date');
  return part.runDate;
}

/** All rows of the part's first table with this column: for figures picked by a rule (e.g. the largest healthy fleet). */
export function rowsOf(parts: MdPart[], partPrefix: string, column: string, tablePrefix?: string): { header: string[]; rows: string[][] } {
  const part = parts.find((p) => withoutNumber(p.title).startsWith(partPrefix));
  if (!part) throw new FigureSourceError('no part "' + partPrefix + '" in BENCHMARKS.md');
  const table = part.tables.find((t) => (tablePrefix === undefined || t.caption.startsWith(tablePrefix)) && t.header.indexOf(column) >= 0);
  if (!table) throw new FigureSourceError('no table with column "' + column + '" in part "' + part.title + '"');
  return { header: table.header, rows: table.rows };
}
