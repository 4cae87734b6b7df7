// README's comparison of the two clients, generated from DIFFERENCES: the block between the two
// markers below is exactly what renderDifferences() returns. test/conformance-readme.test.ts
// checks it; `node build/scripts/readme-differences.js` (after `npm run build:ts`) rewrites it.
import type { Difference } from './types.js';

export const BEGIN = '<!-- differences: generated from test/conformance/differences.ts by scripts/readme-differences.ts; do not edit by hand -->';
export const END = '<!-- /differences -->';

function cell(s: string): string {
  if (s.indexOf('|') >= 0 || s.indexOf('\n') >= 0) throw new Error('a difference may not contain "|" or a line break: ' + s);
  return s;
}

/** The markdown table, markers included. */
export function renderDifferences(list: Difference[]): string {
  const lines = [BEGIN, '| | `MqttClient` | `LiteClient` | why |', '| --- | --- | --- | --- |'];
  for (let i = 0; i < list.length; i++) {
    const d = list[i];
    lines.push('| ' + cell(d.what) + ' | ' + cell(d.MqttClient) + ' | ' + cell(d.LiteClient) + ' | ' + cell(d.why) + ' |');
  }
  lines.push(END);
  return lines.join('\n');
}

/** The generated block as README has it now, or null when the markers are missing. */
export function currentBlock(readme: string): string | null {
  const a = readme.indexOf(BEGIN), b = readme.indexOf(END);
  if (a < 0 || b < a) return null;
  return readme.slice(a, b + END.length);
}

/** README with its block replaced by `block` (the markers must be there). */
export function replaceBlock(readme: string, block: string): string {
  const cur = currentBlock(readme);
  if (cur === null) throw new Error('README.md has no ' + BEGIN + ' … ' + END + ' block');
  return readme.replace(cur, function () { return block; });
}
