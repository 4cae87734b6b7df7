// Unacknowledged QoS 1 messages after a lost link: sent again first, in order, with DUP and the
// same ids; messages that never left go without DUP.
import type { Case, Step } from '../types.js';
import { connack, puback } from '../wire.js';
import {
  CONNECT_DEV1, DIAL, at, connect, drop, end, err, expect, online, open, publish, send, wait,
} from '../steps.js';

/** The link dies; the next one is dialled after the first backoff and accepted. */
function relink(...afterConnack: string[]): Step[] {
  return [drop('ECONNRESET'), expect(err('CONNECTION_LOST'), 'onClose'), wait(1000), expect(at([500, 1000], DIAL)),
    open(), send(connack()), expect(CONNECT_DEV1, ...afterConnack, 'onConnect false')];
}

export const resendCases: Case[] = [
  {
    name: 'resend: unacknowledged QoS 1 messages go out again after a reconnect, first, in order, with DUP and the same ids',
    steps: [...online(), publish('t', 'a', 1), publish('t', 'b', 1), expect('PUBLISH t q1 id=1 "a"', 'PUBLISH t q1 id=2 "b"'),
      ...relink('PUBLISH t q1 id=1 dup "a"', 'PUBLISH t q1 id=2 dup "b"'), send(puback(1), puback(2)), expect()],
  },
  {
    name: 'resend: an acknowledged message is not sent again',
    steps: [...online(), publish('t', 'a', 1), publish('t', 'b', 1), send(puback(1)), expect('PUBLISH t q1 id=1 "a"', 'PUBLISH t q1 id=2 "b"'),
      ...relink('PUBLISH t q1 id=2 dup "b"')],
  },
  {
    name: 'resend: a message that waited for the window goes out after the resends, without DUP',
    options: { maxInflight: 1 },
    steps: [...online(), publish('t', 'a', 1, false, 'sent'), publish('t', 'b', 1, false, 'queued'), expect('PUBLISH t q1 id=1 "a"'),
      ...relink('PUBLISH t q1 id=1 dup "a"'), send(puback(1)), expect('PUBLISH t q1 id=2 "b"')],
  },
  {
    name: 'resend: a message published while the link was down follows the resends',
    steps: [...online(), publish('t', 'a', 1), expect('PUBLISH t q1 id=1 "a"'), drop('ECONNRESET'),
      publish('t', 'c', 1, false, 'queued'), expect(err('CONNECTION_LOST'), 'onClose'),
      wait(1000), open(), send(connack()), expect(DIAL, CONNECT_DEV1, 'PUBLISH t q1 id=1 dup "a"', 'PUBLISH t q1 id=2 "c"', 'onConnect false')],
  },
  {
    name: 'resend: across several failed attempts the message keeps its id and goes out once per accepted link',
    steps: [...online(), publish('t', 'a', 1), expect('PUBLISH t q1 id=1 "a"'), drop('x'), expect(err('CONNECTION_LOST'), 'onClose'),
      wait(1000), expect(DIAL), drop('ECONNREFUSED'), wait(2000), open(), send(connack()),
      expect(err('CONNECTION_LOST'), DIAL, CONNECT_DEV1, 'PUBLISH t q1 id=1 dup "a"', 'onConnect false')],
  },
  {
    name: 'resend: end() keeps the outbox; connect() dials at once and sends the message again with DUP',
    steps: [...online(), publish('t', 'a', 1), expect('PUBLISH t q1 id=1 "a"'), end(), expect('DISCONNECT', 'close', 'onClose'),
      connect(), expect(at(0, DIAL)), open(), send(connack()), expect(CONNECT_DEV1, 'PUBLISH t q1 id=1 dup "a"', 'onConnect false')],
  },
];
