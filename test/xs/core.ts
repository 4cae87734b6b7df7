// XS entry for the shared core cases: the same list ava runs (test/core/all.ts), run by runAll.
import { runAll } from '../core/harness.js';
import '../core/all.js';
import { xsCommand } from './xs-globals.js';

xsCommand('core.run', function () {
  const lines: string[] = [];
  const r = runAll(function (line) { lines.push(line); });
  return JSON.stringify({ passed: r.passed, failed: r.failed, lines: lines });
});
