// What only one client has (DIFFERENCES explains each): the case says what the feature does;
// the client that lacks it must still fail it, so a client that gains it updates the list.
import type { Case } from '../types.js';
import { connack, puback, suback } from '../wire.js';
import {
  CONNECT_DEV1, DIAL, at, broker, connect, drop, err, expect, expectDials, online, open, publish, send, subscribe, untilDial, wait,
} from '../steps.js';

export const featureCases: Case[] = [
  {
    name: 'failover: after a failed attempt the next server in the list is dialled',
    differs: ['failover'],
    options: { servers: ['mqtt://b2.test:1885'] },
    steps: [connect(), expect(DIAL), drop('ECONNREFUSED'), expect(err('CONNECTION_LOST')), wait(1000),
      expect(at([500, 1000], 'dial b2.test:1885'))],
  },
  {
    name: 'persistent session: clean false is sent, and with session present nothing is subscribed again',
    differs: ['persistentSession'],
    options: { clean: false },
    steps: [...online(false, 'CONNECT dev1 keep-session k=60'), subscribe('a', 1), send(suback(1, [1])), expect('SUBSCRIBE 1 a q1'),
      drop('x'), expect(err('CONNECTION_LOST'), 'onClose'), untilDial(1000), open(), send(connack(0, true)),
      expect(DIAL, 'CONNECT dev1 keep-session k=60', 'onConnect true')],
  },
  {
    name: 'onPublished: each PUBACK of our QoS 1 message is reported with its id',
    differs: ['onPublished'],
    options: { onPublished: true },
    steps: [...online(), publish('t', 'a', 1), send(puback(1)), expect('PUBLISH t q1 id=1 "a"', 'onPublished 1')],
  },
  {
    name: 'reconnect options: min 200 ms, max 400 ms, no jitter',
    differs: ['reconnectOptions'],
    options: { reconnect: { min: 200, max: 400, jitter: 0 } },
    steps: [broker({ refuse: 'ECONNREFUSED' }), connect(), wait(2000), expectDials({ gaps: [[200, 200], [400, 400], [400, 400]] })],
  },
  {
    name: 'connectTimeout option: no CONNACK within 3 s',
    knownDefect: undefined,
    differs: ['reconnectOptions'],
    options: { connectTimeout: 3000 },
    steps: [connect(), open(), expect(DIAL, CONNECT_DEV1), wait(3000), expect(at(3000, 'close'), at(3000, err('CONNECT_TIMEOUT', 'no CONNACK within 3000 ms')))],
  },
  {
    name: 'URL: tcp:// is mqtt://',
    differs: ['urlForms'],
    options: { url: 'tcp://broker.test' },
    steps: [connect(), expect(DIAL)],
  },
  {
    name: 'text: topics and payloads given as text are sent as UTF-8',
    differs: ['utf8'],
    steps: [...online(), publish('caf\u00e9', 'r\u00e9sum\u00e9 \u20ac', 0, false, 'sent'),
      expect('PUBLISH "caf\\xc3\\xa9" q0 "r\\xc3\\xa9sum\\xc3\\xa9 \\xe2\\x82\\xac"')],
  },
];
