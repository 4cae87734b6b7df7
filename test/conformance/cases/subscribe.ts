// Subscribing: while connected or before, again after a reconnect (clean session), unsubscribing,
// refused filters, invalid ones.
import type { Case, Step } from '../types.js';
import { connack, publish as pub, suback, unsuback } from '../wire.js';
import {
  CONNECT_DEV1, DIAL, connect, drop, err, expect, open, online, send, subscribe, unsubscribe, untilDial, variant,
} from '../steps.js';

/** The link dies; the next one is accepted; expect what follows CONNECT. */
function relink(...after: (string | ReturnType<typeof variant>)[]): Step[] {
  return [drop('ECONNRESET'), expect(err('CONNECTION_LOST'), 'onClose'), untilDial(1000), open(), send(connack()),
    expect(DIAL, CONNECT_DEV1, ...after, 'onConnect false')];
}

const NINE: Step[] = [];
for (let i = 1; i <= 9; i++) NINE.push(subscribe('f' + i, 0));

export const subscribeCases: Case[] = [
  {
    name: 'subscribe: while connected, SUBSCRIBE with the filter and QoS at once (sent); SUBACK is silent',
    steps: [...online(), subscribe('a/+', 1, 'sent'), expect('SUBSCRIBE 1 a/+ q1'), send(suback(1, [1])), expect()],
  },
  {
    name: 'subscribe: before connecting it is queued and sent right after CONNACK',
    steps: [subscribe('a/#', 0, 'queued'), connect(), open(), send(connack()), expect(DIAL, CONNECT_DEV1, 'SUBSCRIBE 1 a/# q0', 'onConnect false')],
  },
  {
    name: 'subscribe: after a reconnect (clean session) the filter is subscribed again with a new id',
    steps: [...online(), subscribe('a', 1), send(suback(1, [1])), expect('SUBSCRIBE 1 a q1'), ...relink('SUBSCRIBE 2 a q1')],
  },
  {
    name: 'subscribe: two filters subscribed again after a reconnect',
    steps: [...online(), subscribe('a', 1), subscribe('b', 0), send(suback(1, [1]), suback(2, [0])), expect('SUBSCRIBE 1 a q1', 'SUBSCRIBE 2 b q0'),
      ...relink(variant('replayBatch', ['SUBSCRIBE 3 a q1, b q0'], ['SUBSCRIBE 3 a q1', 'SUBSCRIBE 4 b q0']))],
  },
  {
    name: 'unsubscribe: while connected, UNSUBSCRIBE at once (sent); the filter is not subscribed again after a reconnect',
    steps: [...online(), subscribe('a', 1), send(suback(1, [1])), unsubscribe('a', 'sent'), expect('SUBSCRIBE 1 a q1', 'UNSUBSCRIBE 2 a'),
      send(unsuback(2)), expect(), ...relink()],
  },
  {
    name: 'unsubscribe: while offline it returns queued, and the next link does not subscribe the filter again',
    knownDefect: undefined,
    steps: [...online(), subscribe('a', 1), send(suback(1, [1])), expect('SUBSCRIBE 1 a q1'), drop('x'), unsubscribe('a', 'queued'),
      expect(err('CONNECTION_LOST'), 'onClose'), untilDial(1000), open(), send(connack()),
      expect(DIAL, CONNECT_DEV1, 'onConnect false')],
  },
  {
    name: 'subscribe: SUBACK 0x80 is SUBSCRIBE_FAILED; the link stays up',
    steps: [...online(), subscribe('a', 1), send(suback(1, [0x80])), expect('SUBSCRIBE 1 a q1', err('SUBSCRIBE_FAILED')),
      send(pub('b', 'x')), expect('onMessage b q0 "x"')],
  },
  {
    name: 'subscribe: SUBSCRIBE_FAILED names the refused filter',
    differs: ['subackFilter'],
    steps: [...online(), subscribe('home/led', 1), send(suback(1, [0x80])), expect('SUBSCRIBE 1 home/led q1', err('SUBSCRIBE_FAILED', '…"home/led"…'))],
  },
  {
    name: 'subscribe: a refused filter is not subscribed again after a reconnect',
    differs: ['subackFilter'],
    steps: [...online(), subscribe('a', 1), send(suback(1, [0x80])), expect('SUBSCRIBE 1 a q1', err('SUBSCRIBE_FAILED')), ...relink()],
  },
  {
    name: 'subscribe: an invalid filter returns TOPIC_INVALID and writes nothing',
    steps: [...online(), subscribe('a/#/b', 0, 'TOPIC_INVALID'), subscribe('a+', 0, 'TOPIC_INVALID'), unsubscribe('', 'TOPIC_INVALID'),
      expect(variant('subscribeErrors', [err('TOPIC_INVALID'), err('TOPIC_INVALID'), err('TOPIC_INVALID')]))],
  },
  {
    name: 'subscribe: nine requests without an answer are all written at once',
    steps: [...online(), ...NINE,
      expect('SUBSCRIBE 1 f1 q0', 'SUBSCRIBE 2 f2 q0', 'SUBSCRIBE 3 f3 q0', 'SUBSCRIBE 4 f4 q0', 'SUBSCRIBE 5 f5 q0',
        'SUBSCRIBE 6 f6 q0', 'SUBSCRIBE 7 f7 q0', 'SUBSCRIBE 8 f8 q0', 'SUBSCRIBE 9 f9 q0'),
      send(suback(1, [0])), expect()],
  },
  {
    name: 'subscribe: a per-filter handler gets its messages; onMessage gets the rest',
    differs: ['handlers'],
    steps: [...online(), { call: { call: 'subscribe', topic: 'a/+', qos: 0, handler: true } }, send(suback(1, [0]), pub('a/b', 'x'), pub('c', 'y')),
      expect('SUBSCRIBE 1 a/+ q0', 'handler a/+ a/b q0 "x"', 'onMessage c q0 "y"')],
  },
];
