// Keepalive K: PINGREQ when nothing was sent for K or nothing received for K; no packet within
// K/2 after it is PING_TIMEOUT (so a dead link is found within 1.5 K).
import type { Case } from '../types.js';
import { pingresp, publish as pub } from '../wire.js';
import { at, err, expect, online, publish, send, stall, wait } from '../steps.js';

const K10 = 'CONNECT dev1 clean k=10';

export const keepaliveCases: Case[] = [
  {
    name: 'keepalive: PINGREQ after K (10 s) of silence; a PINGRESP keeps the link, and the next PINGREQ comes K later',
    knownDefect: undefined,
    options: { keepalive: 10 },
    steps: [...online(false, K10), wait(10000), expect(at(10000, 'PINGREQ')), send(pingresp()), wait(10000), expect(at(10000, 'PINGREQ'))],
  },
  {
    name: 'keepalive: no packet within K/2 after the PINGREQ is PING_TIMEOUT at 1.5 K; the link is closed',
    knownDefect: undefined,
    options: { keepalive: 10 },
    steps: [...online(false, K10), wait(15000),
      expect(at(10000, 'PINGREQ'), at(15000, 'close'),
        at(15000, err('PING_TIMEOUT', 'no answer from the broker within 15000 ms (keepalive 10 s): the link is dead')), at(15000, 'onClose'))],
  },
  {
    name: 'keepalive: any packet answers a PINGREQ, not only PINGRESP',
    knownDefect: undefined,
    options: { keepalive: 10 },
    steps: [...online(false, K10), wait(10000), expect(at(10000, 'PINGREQ')), wait(2000), send(pub('t', 'x')),
      wait(3000), expect(at(2000, 'onMessage t q0 "x"')), wait(5000), expect(at(5000, 'PINGREQ'))],
  },
  {
    name: 'keepalive: a client that only publishes still pings when it has heard nothing for K',
    knownDefect: undefined,
    options: { keepalive: 10 },
    steps: [...online(false, K10), wait(4000), publish('t', '1', 0), wait(4000), publish('t', '2', 0), wait(2000),
      expect(at(4000, 'PUBLISH t q0 "1"'), at(8000, 'PUBLISH t q0 "2"'), at(10000, 'PINGREQ'))],
  },
  {
    // traffic both ways at 4 s, then the engine is busy until 11 s: the check due at 5 s runs 6 s
    // late, and its "something was sent and heard" may be up to 11 s old, more than K
    name: 'keepalive: a check that runs K/2 late or more pings, even after traffic both ways',
    knownDefect: undefined,
    options: { keepalive: 10 },
    steps: [...online(false, K10), wait(4000), publish('t', '1', 0), send(pingresp()), stall(7000),
      expect(at(4000, 'PUBLISH t q0 "1"'), at(11000, 'PINGREQ'))],
  },
  {
    name: 'keepalive: a client that only receives still pings when it has sent nothing for K',
    knownDefect: undefined,
    options: { keepalive: 10 },
    steps: [...online(false, K10), wait(4000), send(pub('t', '1')), wait(4000), send(pub('t', '2')), wait(2000),
      expect(at(4000, 'onMessage t q0 "1"'), at(8000, 'onMessage t q0 "2"'), at(10000, 'PINGREQ'))],
  },
  {
    name: 'keepalive: 0 turns pinging off',
    options: { keepalive: 0 },
    steps: [...online(false, 'CONNECT dev1 clean k=0'), wait(600000), expect()],
  },
  {
    name: 'keepalive: with the default 60 s, PINGREQ at 60 s and PING_TIMEOUT at 90 s',
    knownDefect: undefined,
    steps: [...online(), wait(90000),
      expect(at(60000, 'PINGREQ'), at(90000, 'close'),
        at(90000, err('PING_TIMEOUT', 'no answer from the broker within 90000 ms (keepalive 60 s): the link is dead')), at(90000, 'onClose'))],
  },
];
