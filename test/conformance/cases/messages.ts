// QoS 0 and 1 both ways: what publish() returns and writes, the in-flight window, what arrives.
import type { Case } from '../types.js';
import { connack, puback, pingresp, publish as pub, publishOfSize } from '../wire.js';
import {
  CONNECT_DEV1, DIAL, connect, expect, online, open, publish, react, send, variant,
} from '../steps.js';

const X59 = 'x'.repeat(59);

export const messageCases: Case[] = [
  // ---- out ----
  {
    name: 'publish: QoS 0 while connected is written at once and returns sent',
    steps: [...online(), publish('temp', '21.5', 0, false, 'sent'), publish('temp', 'r', 0, true, 'sent'),
      expect('PUBLISH temp q0 "21.5"', 'PUBLISH temp q0 retain "r"')],
  },
  {
    name: 'publish: QoS 0 while offline or before CONNACK returns NOT_CONNECTED and is never written',
    steps: [publish('temp', 'a', 0, false, 'NOT_CONNECTED'), connect(), open(), publish('temp', 'b', 0, false, 'NOT_CONNECTED'),
      send(connack()), expect(DIAL, CONNECT_DEV1, 'onConnect false')],
  },
  {
    name: 'publish: QoS 1 while connected returns sent and is written with id 1, then 2; PUBACK frees it silently',
    steps: [...online(), publish('temp', '21.5', 1, false, 'sent'), expect('PUBLISH temp q1 id=1 "21.5"'),
      send(puback(1)), publish('temp', '21.6', 1, true, 'sent'), expect('PUBLISH temp q1 id=2 retain "21.6"'), send(puback(2)), expect()],
  },
  {
    name: 'publish: QoS 1 while offline returns queued; after CONNACK the messages go out in order, without DUP',
    steps: [publish('temp', 'a', 1, false, 'queued'), publish('temp', 'b', 1, false, 'queued'), connect(), open(), send(connack()),
      expect(DIAL, CONNECT_DEV1, 'PUBLISH temp q1 id=1 "a"', 'PUBLISH temp q1 id=2 "b"', 'onConnect false')],
  },
  {
    name: 'publish: maxInflight 2 — the third QoS 1 message waits (queued) until a PUBACK frees a slot',
    options: { maxInflight: 2 },
    steps: [...online(), publish('t', 'a', 1, false, 'sent'), publish('t', 'b', 1, false, 'sent'), publish('t', 'c', 1, false, 'queued'),
      expect('PUBLISH t q1 id=1 "a"', 'PUBLISH t q1 id=2 "b"'), send(puback(1)), expect('PUBLISH t q1 id=3 "c"'),
      send(puback(2), puback(3)), expect()],
  },
  {
    name: 'publish: an invalid topic returns TOPIC_INVALID; nothing is written and no callback runs',
    steps: [...online(), publish('a/+', 'x', 0, false, 'TOPIC_INVALID'), publish('a/#', 'x', 1, false, 'TOPIC_INVALID'),
      publish('', 'x', 1, false, 'TOPIC_INVALID'), publish('a\u0000b', 'x', 0, false, 'TOPIC_INVALID'), expect()],
  },
  {
    name: 'publish: a QoS 0 message larger than transmitBufferSize returns PACKET_TOO_LARGE',
    options: { transmitBufferSize: 64 },
    steps: [...online(), publish('t', 'y'.repeat(100), 0, false, 'PACKET_TOO_LARGE'), publish('t', 'ok', 0, false, 'sent'),
      expect('PUBLISH t q0 "ok"')],
  },
  {
    name: 'publish: a QoS 1 message larger than transmitBufferSize but not than the outbox',
    options: { transmitBufferSize: 64 },
    steps: [...online(), publish('t', 'y'.repeat(100), 1, false),
      expect(variant('qos1Transmit', ['PUBLISH t q1 id=1 "' + 'y'.repeat(100) + '"'], []))],
  },
  {
    name: 'publish: QoS 2 is refused with INVALID_ARGUMENT',
    differs: ['publishQos'],
    steps: [...online(), publish('t', 'x', 2, false, 'INVALID_ARGUMENT'), expect()],
  },
  // ---- in ----
  {
    name: 'receive: QoS 0 is delivered with its topic and payload, and not acknowledged',
    steps: [...online(), send(pub('a/b', 'hi')), expect('onMessage a/b q0 "hi"')],
  },
  {
    name: 'receive: QoS 1 is delivered, then PUBACKed with its id',
    steps: [...online(), send(pub('a/b', 'hi', { qos: 1, id: 7 })), expect('onMessage a/b q1 "hi"', 'PUBACK 7')],
  },
  {
    name: 'receive: a QoS 1 message\'s PUBACK and a publish made inside onMessage',
    steps: [react('onMessage', publish('echo', 'e', 1)), ...online(), send(pub('a', 'x', { qos: 1, id: 7 })),
      expect('onMessage a q1 "x"', variant('ackAfterHandler', ['PUBLISH echo q1 id=1 "e"', 'PUBACK 7'], ['PUBACK 7', 'PUBLISH echo q1 id=1 "e"']))],
  },
  {
    name: 'receive: retain and dup reach onMessage',
    steps: [...online(), send(pub('s', 'on', { retain: true }), pub('s', 'x', { qos: 1, id: 9, retain: true, dup: true })),
      expect('onMessage s q0 retain "on"', 'onMessage s q1 retain dup "x"', 'PUBACK 9')],
  },
  {
    name: 'receive: a duplicate QoS 1 message is delivered and acknowledged again (at least once)',
    steps: [...online(), send(pub('t', 'x', { qos: 1, id: 5 }), pub('t', 'x', { qos: 1, id: 5, dup: true })),
      expect('onMessage t q1 "x"', 'onMessage t q1 dup "x"', 'PUBACK 5', 'PUBACK 5')],
  },
  {
    name: 'receive: several packets in one stream, any QoS, arrive whole and in order',
    steps: [...online(), send(pub('a', '1'), pub('b', '2', { qos: 1, id: 300 }), pingresp(), pub('c', '3'), pub('d', '4', { qos: 1, id: 65535 })),
      expect('onMessage a q0 "1"', 'onMessage b q1 "2"', 'onMessage c q0 "3"', 'onMessage d q1 "4"', 'PUBACK 300', 'PUBACK 65535')],
  },
  {
    name: 'receive: payload bytes pass unchanged (0x00, 0xff, CR LF) and may be empty',
    steps: [...online(), send(pub('bin', [0, 1, 127, 128, 255, 13, 10]), pub('empty', '')),
      expect('onMessage bin q0 "\\x00\\x01\\x7f\\x80\\xff\\x0d\\x0a"', 'onMessage empty q0 ""')],
  },
  {
    name: 'receive: a UTF-8 topic (2, 3 and 4-byte characters) is delivered',
    steps: [...online(), send(pub('caf\u00e9/\u20ac/\ud83c\udf21', 'x')),
      expect('onMessage "caf\\xc3\\xa9/\\xe2\\x82\\xac/\\xf0\\x9f\\x8c\\xa1" q0 "x"')],
  },
  {
    name: 'receive: a PUBLISH whose remaining length takes two bytes (300 bytes) is delivered',
    steps: [...online(), send(publishOfSize('big', 300, { qos: 1, id: 2 })),
      expect('onMessage big q1 "' + 'x'.repeat(300 - 3 - 5 - 2) + '"', 'PUBACK 2')],
  },
  {
    name: 'receive: a PUBLISH of exactly receiveBufferSize bytes is delivered',
    options: { receiveBufferSize: 64 },
    steps: [...online(), send(publishOfSize('t', 64)), expect('onMessage t q0 "' + X59 + '"')],
  },
  {
    name: 'receive: PUBACK for an id not in flight, a late duplicate PUBACK and an unasked PINGRESP are ignored',
    steps: [...online(), publish('t', 'a', 1, false, 'sent'), send(puback(99), puback(1), puback(1), pingresp()),
      publish('t', 'b', 1, false, 'sent'), expect('PUBLISH t q1 id=1 "a"', 'PUBLISH t q1 id=2 "b"')],
  },
];
