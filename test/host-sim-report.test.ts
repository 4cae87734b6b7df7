// What host-sim prints, as functions: the live status line and the summary's topic line.
import test from 'ava';
import { statusLine, describeReceivedOn, type Totals } from '../host-sim/report.js';

const busy: Totals = {
  devices: 10000, started: 9990, connected: 9850, connecting: 139, stopped: 1, removed: 0,
  topError: { code: 'CONNACK_REFUSED_BAD_CREDENTIALS', message: 'broker refused the connection: bad user name or password', devices: 1 },
  readings: 123456, published: 120000, queued: 3456, dropped: 12, acknowledged: 119000, statusesAcknowledged: 10000,
  unacknowledged: 1000, reconnects: 4321, received: 118000, duplicates: 0, expected: 123456, lost: 0,
};

test('status line: the devices first, the stopped ones and their error last, never wider than the terminal', (t) => {
  const full = statusLine(busy, 987.6);
  t.regex(full, /^9850 of 10000 connected \(9990 started\), 139 connecting, 1 stopped \| published 120000 acked 119000 queued 3456 dropped 12/);
  t.regex(full, /1 with CONNACK_REFUSED_BAD_CREDENTIALS: broker refused the connection: bad user name or password$/);
  for (const width of [79, 119, 40]) {
    const line = statusLine(busy, 987.6, width);
    t.true(line.length <= width, `${line.length} > ${width}: ${line}`);
    t.true(line.startsWith('9850 of 10000 connected'));
  }
});

test('topics line: a few topics named, thousands grouped by layout', (t) => {
  t.is(describeReceivedOn({ temp: 45, 'temp/status': 6 }, 'temp'), '45 on temp, 6 on temp/status');
  const many: Record<string, number> = {};
  for (let i = 1; i <= 10000; i++) { many['temp/sim-' + i] = 4; many['temp/sim-' + i + '/status'] = 1; }
  const line = describeReceivedOn(many, 'temp/<id>');
  t.is(line, '40000 on 10000 topics temp/<id>, 10000 on 10000 topics temp/<id>/status');
});
