// README's code examples, as marked in README.md. Each example is a fenced block with a marker on
// the line before it, and a runnable one has its output in a block marked the same way:
//
//   <!-- example client.ts: run -->          a program; the tests run it against a spawned broker
//   ```ts                                    and compare what it prints with the output block
//   …
//   <!-- output of client.ts -->
//   ```text
//   …
//
// Kinds: `run` (Node, run and its output compared), `fragment` (Node, type-checked only: part of a
// program), `moddable` and `espruino` (need a device: type-checked against that engine's typings).
// The name's extension says the language (.ts or .js).
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../../scripts/build/paths.js';

export const KINDS = ['run', 'fragment', 'moddable', 'espruino'] as const;
export type ExampleKind = typeof KINDS[number];

export interface ReadmeExample {
  name: string;          // e.g. client.ts: also the file name the tests write it to
  kind: ExampleKind;
  code: string;
  line: number;          // 1-based line of the opening fence in README.md
  output?: string;       // for `run`: what it must print, exactly
}

const EXAMPLE = /^<!--\s*example\s+([\w.-]+\.(?:ts|js)):\s*(\w+)\s*-->\s*$/;
const OUTPUT = /^<!--\s*output of\s+([\w.-]+)\s*-->\s*$/;
const FENCE = /^```(\S*)/;

/** The fenced block that starts at lines[i] (skipping blank lines): its info string, text and line. */
function blockAt(lines: string[], i: number, what: string): { info: string; text: string; line: number; next: number } {
  while (i < lines.length && lines[i].trim() === '') i++;
  const open = FENCE.exec(lines[i] ?? '');
  if (!open) throw new Error('README.md:' + (i + 1) + ': ' + what + ' is not followed by a ``` block');
  const body: string[] = [];
  let j = i + 1;
  while (j < lines.length && !/^```\s*$/.test(lines[j])) body.push(lines[j++]);
  if (j >= lines.length) throw new Error('README.md:' + (i + 1) + ': the block after ' + what + ' never closes');
  return { info: open[1], text: body.join('\n') + '\n', line: i + 1, next: j + 1 };
}

export function parseReadmeExamples(markdown: string): ReadmeExample[] {
  const lines = markdown.split('\n');
  const examples: ReadmeExample[] = [];
  const outputs = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const ex = EXAMPLE.exec(lines[i]);
    const out = OUTPUT.exec(lines[i]);
    if (ex) {
      const kind = ex[2] as ExampleKind;
      if (KINDS.indexOf(kind) < 0) throw new Error('README.md:' + (i + 1) + ': unknown example kind "' + kind + '" (' + KINDS.join(', ') + ')');
      if (examples.some((e) => e.name === ex[1])) throw new Error('README.md:' + (i + 1) + ': a second example named ' + ex[1]);
      const b = blockAt(lines, i + 1, 'example ' + ex[1]);
      const lang = ex[1].endsWith('.ts') ? /^(ts|typescript)$/ : /^(js|javascript)$/;
      if (!lang.test(b.info)) throw new Error('README.md:' + b.line + ': example ' + ex[1] + ' is in a ```' + b.info + ' block');
      examples.push({ name: ex[1], kind, code: b.text, line: b.line });
      i = b.next - 1;
    } else if (out) {
      const b = blockAt(lines, i + 1, 'output of ' + out[1]);
      outputs.set(out[1], b.text);
      i = b.next - 1;
    } else if (lines[i].startsWith('```')) {
      i = blockAt(lines, i, 'a fence').next - 1;   // skip unmarked blocks whole (shell lines, sample output)
    }
  }
  for (const [name, text] of outputs) {
    const e = examples.find((x) => x.name === name);
    if (!e || e.kind !== 'run') throw new Error('README.md: an output block for ' + name + ', which is no runnable example');
    e.output = text;
  }
  for (const e of examples) {
    if (e.kind === 'run' && e.output === undefined) throw new Error('README.md:' + e.line + ': runnable example ' + e.name + ' has no output block');
  }
  return examples;
}

/** TypeScript and JavaScript blocks that carry no example marker: each would be an untested example. */
export function unmarkedCodeBlocks(markdown: string): Array<{ line: number; info: string }> {
  const lines = markdown.split('\n');
  const found: Array<{ line: number; info: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('```')) continue;
    const b = blockAt(lines, i, 'a fence');
    let k = i - 1;
    while (k >= 0 && lines[k].trim() === '') k--;
    const marked = k >= 0 && (EXAMPLE.test(lines[k]) || OUTPUT.test(lines[k]));
    if (!marked && /^(ts|typescript|js|javascript|mjs|cjs|tsx|jsx)$/.test(b.info)) found.push({ line: b.line, info: b.info });
    i = b.next - 1;
  }
  return found;
}

export function readmeExamples(): ReadmeExample[] {
  return parseReadmeExamples(fs.readFileSync(path.join(root, 'README.md'), 'utf8'));
}
