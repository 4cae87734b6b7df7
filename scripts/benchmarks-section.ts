// Sections of BENCHMARKS.md owned by a script other than `npm run bench` (fuzz, soak, faults):
// each lives between <!-- section:NAME --> and <!-- /section:NAME -->; writing one replaces only
// it (or appends it), and bench/report.ts carries every such section over when it rewrites the file.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const SECTION_RE = /<!-- section:([a-z-]+) -->[\s\S]*?<!-- \/section:\1 -->/g;

export function writeSection(name: string, markdown: string, file = 'BENCHMARKS.md'): void {
  const block = '<!-- section:' + name + ' -->\n' + markdown.trim() + '\n<!-- /section:' + name + ' -->';
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const re = new RegExp('<!-- section:' + name + ' -->[\\s\\S]*?<!-- /section:' + name + ' -->');
  writeFileSync(file, re.test(text) ? text.replace(re, block) : text.replace(/\s*$/, '\n\n') + block + '\n');
}

/** Every owned section in a BENCHMARKS.md text, in order. */
export function ownedSections(text: string): string[] {
  return text.match(SECTION_RE) ?? [];
}
