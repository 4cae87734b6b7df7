// A PUBLISH larger than the receive buffer: MESSAGE_TOO_LARGE as soon as its fixed header says so,
// the rest drained without storing it, a QoS 1 one acknowledged, and the link kept.
import type { Case } from '../types.js';
import { publish as pub, publishOfSize } from '../wire.js';
import { err, expect, online, send } from '../steps.js';

const OPTS = { receiveBufferSize: 64 };
const BIG = publishOfSize('big/t', 300, { qos: 1, id: 5 });   // 0x32, 2 length bytes, then 297 more
const TOO_LARGE = function (n: number): string {
  return err('MESSAGE_TOO_LARGE', 'incoming PUBLISH of ' + n + ' bytes is larger than the receive buffer (64 bytes): dropped');
};

export const oversizeCases: Case[] = [
  {
    name: 'oversize: a QoS 1 PUBLISH larger than the receive buffer is reported at its fixed header, then drained, PUBACKed, and the link kept',
    knownDefect: undefined,
    options: OPTS,
    steps: [...online(), send(BIG.slice(0, 3)), expect(TOO_LARGE(300)), send(BIG.slice(3)), expect('PUBACK 5'),
      send(pub('small', 'ok')), expect('onMessage small q0 "ok"')],
  },
  {
    name: 'oversize: a 268 MB PUBLISH is reported at its fixed header, not after draining it',
    knownDefect: undefined,
    options: OPTS,
    steps: [...online(), send([0x30, 0xff, 0xff, 0xff, 0x7f]), expect(TOO_LARGE(268435460))],
  },
  {
    name: 'oversize: QoS 0 is dropped without a PUBACK; the messages around it arrive',
    options: OPTS,
    steps: [...online(), send(pub('a', '1'), publishOfSize('big', 200), pub('b', '2'), publishOfSize('big', 500), pub('c', '3', { qos: 1, id: 8 })),
      expect('onMessage a q0 "1"', err('MESSAGE_TOO_LARGE'), 'onMessage b q0 "2"', err('MESSAGE_TOO_LARGE'), 'onMessage c q1 "3"', 'PUBACK 8')],
  },
  {
    name: 'oversize: a QoS 1 PUBLISH whose topic alone does not fit the buffer is still PUBACKed',
    knownDefect: undefined,
    options: OPTS,
    steps: [...online(), send(publishOfSize('t/' + 'long'.repeat(25), 300, { qos: 1, id: 9 })), expect(err('MESSAGE_TOO_LARGE'), 'PUBACK 9')],
  },
  {
    name: 'oversize: one byte more than the receive buffer is too large',
    knownDefect: undefined,
    options: OPTS,
    steps: [...online(), send(publishOfSize('t', 65)), expect(TOO_LARGE(65))],
  },
];
