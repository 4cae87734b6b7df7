// A newer retained QoS 1 status replaces an older one not yet written on the current link, and
// onConnect runs before the outbox is flushed, so a status published there replaces the last
// link's unacknowledged one (issue 12: 68 `online` messages after a storm).
import type { Case } from '../types.js';
import { connack, puback } from '../wire.js';
import {
  CONNECT_DEV1, DIAL, broker, connect, drop, err, expect, expectDials, online, open, publish, react, send, untilDial,
} from '../steps.js';

const ONLINE = publish('dev/status', 'online', 1, true);

export const statusCases: Case[] = [
  {
    name: 'status: offline, a newer retained QoS 1 message on a topic replaces the unsent older one',
    knownDefect: undefined,
    steps: [publish('dev/status', 'a', 1, true, 'queued'), publish('dev/status', 'b', 1, true, 'queued'), connect(), open(), send(connack()),
      expect(DIAL, CONNECT_DEV1, 'PUBLISH dev/status q1 id=* retain "b"', 'onConnect false')],
  },
  {
    name: 'status: replacing keeps the other messages and their order; the new status goes last',
    knownDefect: undefined,
    steps: [publish('temp', 'r1', 1), publish('dev/status', 'a', 1, true), publish('temp', 'r2', 1), publish('dev/status', 'b', 1, true),
      connect(), open(), send(connack()),
      expect(DIAL, CONNECT_DEV1, 'PUBLISH temp q1 id=1 "r1"', 'PUBLISH temp q1 id=3 "r2"', 'PUBLISH dev/status q1 id=* retain "b"', 'onConnect false')],
  },
  {
    name: 'status: only a retained QoS 1 message on the same topic is replaced',
    knownDefect: undefined,
    steps: [publish('dev/status', 'a', 1, true), publish('other/status', 'x', 1, true), publish('dev/status', 'n', 1, false),
      publish('dev/status', 'b', 1, true), connect(), open(), send(connack()),
      expect(DIAL, CONNECT_DEV1, 'PUBLISH other/status q1 id=2 retain "x"', 'PUBLISH dev/status q1 id=3 "n"',
        'PUBLISH dev/status q1 id=* retain "b"', 'onConnect false')],
  },
  {
    // The ring of stored messages is empty for a moment while the newer status replaces the only
    // one stored: the messages after it must still come out intact, even once the ring's space is
    // reused (MqttClient corrupted "r" here until this case was written).
    name: 'status: after replacing the only stored message, later messages survive reuse of the outbox and a resend',
    steps: [publish('a', '1', 1, true, 'queued'), publish('a', '2', 1, true, 'queued'), publish('b', 'r', 1, false, 'queued'),
      connect(), open(), send(connack()),
      expect(DIAL, CONNECT_DEV1, 'onConnect false', 'PUBLISH a q1 id=2 retain "2"', 'PUBLISH b q1 id=3 "r"'), send(puback(2)),
      publish('c', '4', 1, false, 'sent'), publish('c', '5', 1, false, 'sent'), publish('c', '6', 1, false, 'sent'),
      expect('PUBLISH c q1 id=4 "4"', 'PUBLISH c q1 id=5 "5"', 'PUBLISH c q1 id=6 "6"'),
      drop('ECONNRESET'), expect(err('CONNECTION_LOST'), 'onClose'), untilDial(1000), open(), send(connack()),
      expect(DIAL, CONNECT_DEV1, 'onConnect false', 'PUBLISH b q1 id=3 dup "r"', 'PUBLISH c q1 id=4 dup "4"',
        'PUBLISH c q1 id=5 dup "5"', 'PUBLISH c q1 id=6 dup "6"')],
  },
  {
    name: 'status: a status already written on this link is not replaced',
    steps: [...online(), publish('dev/status', 'a', 1, true, 'sent'), publish('dev/status', 'b', 1, true, 'sent'),
      expect('PUBLISH dev/status q1 id=1 retain "a"', 'PUBLISH dev/status q1 id=2 retain "b"')],
  },
  {
    name: 'status: a status waiting behind a full window is replaced by a newer one',
    knownDefect: undefined,
    options: { maxInflight: 1 },
    steps: [...online(), publish('temp', 'r', 1, false, 'sent'), publish('dev/status', 'a', 1, true, 'queued'),
      publish('dev/status', 'b', 1, true, 'queued'), expect('PUBLISH temp q1 id=1 "r"'), send(puback(1)),
      expect('PUBLISH dev/status q1 id=* retain "b"')],
  },
  {
    name: 'status: onConnect runs before the flush, so its status replaces the last link\'s unacknowledged one',
    knownDefect: undefined,
    steps: [react('onConnect', ONLINE), connect(), open(), send(connack()),
      expect(DIAL, CONNECT_DEV1, 'onConnect false', 'PUBLISH dev/status q1 id=1 retain "online"'),
      publish('temp', 'r1', 1), expect('PUBLISH temp q1 id=2 "r1"'), drop('ECONNRESET'), expect(err('CONNECTION_LOST'), 'onClose'),
      untilDial(1000), open(), send(connack()),
      expect(DIAL, CONNECT_DEV1, 'onConnect false', 'PUBLISH temp q1 id=2 dup "r1"', 'PUBLISH dev/status q1 id=* retain "online"')],
  },
  {
    name: 'status: after a storm of accept-then-fail links, the good link carries one status and every reading',
    knownDefect: undefined,
    steps: [react('onConnect', ONLINE), broker({ connack: 0, then: 'drop' }, 4), publish('temp', 'r1', 1, false, 'queued'),
      publish('temp', 'r2', 1, false, 'queued'), connect(), untilDial(120000), untilDial(120000), untilDial(120000), untilDial(120000),
      expectDials({ count: [5, 5] }), open(), send(connack()),
      expect(CONNECT_DEV1, 'onConnect false', 'PUBLISH temp q1 id=1 dup "r1"', 'PUBLISH temp q1 id=2 dup "r2"', 'PUBLISH dev/status q1 id=* retain "online"')],
  },
];
