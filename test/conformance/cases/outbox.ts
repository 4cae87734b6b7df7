// The bounded outbox: QUEUE_FULL when a QoS 1 message does not fit (nothing stored, nothing
// written, no callback), room again after a PUBACK, PACKET_TOO_LARGE for one that never could.
import type { Case } from '../types.js';
import { connack, puback } from '../wire.js';
import { CONNECT_DEV1, DIAL, connect, expect, online, open, publish, send } from '../steps.js';

// A QoS 1 PUBLISH of topic 't' and payload 'abcd' is 11 bytes: three fit in 40, a fourth does not.
const OPTS = { outboxSize: 40 };

export const outboxCases: Case[] = [
  {
    name: 'outbox: offline, QoS 1 messages are queued until the outbox is full, then QUEUE_FULL; the queued ones go out on connect',
    options: OPTS,
    steps: [publish('t', 'abcd', 1, false, 'queued'), publish('t', 'abcd', 1, false, 'queued'), publish('t', 'abcd', 1, false, 'queued'),
      publish('t', 'abcd', 1, false, 'QUEUE_FULL'), publish('t', 'ab', 0, false, 'NOT_CONNECTED'),
      connect(), open(), send(connack()),
      expect(DIAL, CONNECT_DEV1, 'PUBLISH t q1 id=1 "abcd"', 'PUBLISH t q1 id=2 "abcd"', 'PUBLISH t q1 id=3 "abcd"', 'onConnect false')],
  },
  {
    name: 'outbox: connected, QUEUE_FULL while three messages await PUBACK; a PUBACK makes room',
    options: OPTS,
    steps: [...online(), publish('t', 'abcd', 1, false, 'sent'), publish('t', 'abcd', 1, false, 'sent'), publish('t', 'abcd', 1, false, 'sent'),
      publish('t', 'abcd', 1, false, 'QUEUE_FULL'), expect('PUBLISH t q1 id=1 "abcd"', 'PUBLISH t q1 id=2 "abcd"', 'PUBLISH t q1 id=3 "abcd"'),
      send(puback(1)), publish('t', 'efgh', 1, false, 'sent'), expect('PUBLISH t q1 id=* "efgh"')],
  },
  {
    name: 'outbox: a QoS 1 message larger than the whole outbox is PACKET_TOO_LARGE, not QUEUE_FULL',
    knownDefect: undefined,
    options: OPTS,
    steps: [...online(), publish('t', 'z'.repeat(40), 1, false, 'PACKET_TOO_LARGE'), publish('t', 'abcd', 1, false, 'sent'),
      expect('PUBLISH t q1 id=* "abcd"')],
  },
];
