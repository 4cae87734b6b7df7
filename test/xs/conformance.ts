// XS entry for the conformance table: both drivers over the same cases ava runs on Node
// (test/conformance.test.ts); scripts/test-xs.ts prints the summary and every bad verdict.
import { TABLE } from '../conformance/table.js';
import { checkTable, runTable, summary } from '../conformance/run.js';
import { mqttDriver } from '../conformance/mqtt-driver.js';
import { liteDriver } from '../conformance/lite-driver.js';
import { xsCommand } from './xs-globals.js';

xsCommand('conformance.run', function () {
  const drivers = [mqttDriver, liteDriver];
  const verdicts = runTable(TABLE, drivers);
  return JSON.stringify({ problems: checkTable(TABLE), verdicts: verdicts, summary: summary(TABLE, verdicts, drivers) });
});
