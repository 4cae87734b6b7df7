// Rewrites README.md's comparison of MqttClient and LiteClient from the conformance suite's list of
// differences (test/conformance/differences.ts). test/conformance-readme.test.ts fails until it is run.
import fs from 'node:fs';
import path from 'node:path';
import { root } from './build/paths.js';
import { DIFFERENCES } from '../test/conformance/differences.js';
import { renderDifferences, replaceBlock } from '../test/conformance/readme.js';

const file = path.join(root, 'README.md');
const before = fs.readFileSync(file, 'utf8');
const after = replaceBlock(before, renderDifferences(DIFFERENCES));
if (after !== before) fs.writeFileSync(file, after);
console.log(after === before ? 'README.md: differences already up to date' : 'README.md: differences rewritten');
