// README's comparison of MqttClient and LiteClient is the conformance suite's list of differences,
// rendered (test/conformance/readme.ts); every listed difference is shown by a case in the table
// (checkTable, also run by test/conformance.test.ts and inside XS).
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIFFERENCES } from './conformance/differences.js';
import { TABLE } from './conformance/table.js';
import { checkTable } from './conformance/run.js';
import { currentBlock, renderDifferences } from './conformance/readme.js';

// build/test/ → the repository root
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('README: the comparison of the two clients is generated from the conformance table\'s differences', (t) => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const block = currentBlock(readme);
  t.not(block, null, 'README.md lost its generated differences block');
  t.is(block, renderDifferences(DIFFERENCES),
    'README.md is out of date with test/conformance/differences.ts: run `npm run build:ts && node build/scripts/readme-differences.js`');
});

test('README: every difference it lists is shown by a case in the conformance table', (t) => {
  t.deepEqual(checkTable(TABLE).filter((p) => p.indexOf('difference ') === 0), []);
});
