// Prints README's broker compatibility table from the cells the matrix tests recorded
// (build/matrix-results/<broker>.json, written by `npm test` or `ava build/test/matrix-*.test.js`).
//   node build/scripts/broker-table.js
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROWS, type Cell, type MatrixResults } from '../test/helpers/matrix-rows.js';

const BROKERS = ['mosquitto', 'aedes', 'rabbitmq', 'nats'];
const TITLES: Record<string, string> = { mosquitto: 'mosquitto', aedes: 'aedes', rabbitmq: 'RabbitMQ (rabbitmq_mqtt)', nats: 'NATS (MQTT server)' };

function text(c: Cell | undefined): string {
  if (!c) return 'not run';
  const mark = c.status === 'ok' ? '✓' : c.status === 'n/a' ? '—' : '✗ FAILED';
  return c.note ? mark + ' ' + c.note : mark;
}

function cellFor(row: Record<string, Cell> | undefined): string {
  const core = text(row?.MqttClient), lite = text(row?.LiteClient);
  return core === lite ? core : 'MqttClient ' + core + '<br>LiteClient ' + lite;
}

const dir = resolve('build', 'matrix-results');
const found: MatrixResults[] = [];
for (const b of BROKERS) {
  const f = join(dir, b + '.json');
  if (existsSync(f)) found.push(JSON.parse(readFileSync(f, 'utf8')) as MatrixResults);
}
if (found.length === 0) {
  console.error('no results in ' + dir + ': run npm test (or npx ava build/test/matrix-*.test.js) first');
  process.exit(1);
}
const out: string[] = [];
out.push('| | ' + found.map((r) => TITLES[r.broker] + ' ' + r.version).join(' | ') + ' |');
out.push('| --- |' + found.map(() => ' --- |').join(''));
for (const key of ROWS) out.push('| ' + key + ' | ' + found.map((r) => cellFor(r.cells[key])).join(' | ') + ' |');
out.push('| persistence across the restart | ' + found.map((r) => r.persistence).join(' | ') + ' |');
console.log(out.join('\n'));
console.log('\n_' + found.map((r) => r.broker + ' ' + r.date.slice(0, 10)).join(', ') + '_');
