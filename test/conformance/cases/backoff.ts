// Reconnect backoff and the healthy-link rule (CONTRACTS, "One behaviour for both clients"):
// delays double from 1 s to 60 s, each shortened by at most half; only a link that stayed up
// 30 s after CONNACK 0 is healthy, and only after a healthy link does the delay start again at
// the minimum. So a broker that accepts and then fails gets at most ~5 attempts a minute.
import type { Bytes } from '../wire.js';
import type { Case } from '../types.js';
import { connack, publish as pub } from '../wire.js';
import { at, broker, connect, drop, err, expect, expectDials, online, wait } from '../steps.js';

/** The delay before attempt n+1 (n from 0): 1 s · 2^n, at most 60 s, shortened by up to half. */
function delays(n: number, from?: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = from || 0; i < (from || 0) + n; i++) {
    const d = Math.min(1000 * Math.pow(2, i), 60000);
    out.push([d / 2, d]);
  }
  return out;
}

const GROWING = delays(9);   // 1, 2, 4 … 32, then 60, 60 s

const STORM = 'the delay returns to 1 s on every CONNACK 0: about 400 attempts in 5 minutes (issue 12 item 1)';

const ACCEPT_THEN_FAIL: [string, Bytes | 'drop'][] = [
  ['closes the link right after CONNACK', 'drop'],
  ['sends a PINGREQ', [0xc0, 0]],
  ['sends a second CONNACK', connack()],
  ['sends a QoS 2 PUBLISH', pub('t', 'x', { qos: 2, id: 1 })],
  ['sends a QoS 3 PUBLISH', [0x36, 5, 0, 1, 0x74, 0, 1]],
  ['sends malformed bytes', [0x00, 0x00]],
];

export const backoffCases: Case[] = [
  {
    name: 'backoff: refused connections are retried after 1, 2, 4 … 32, then 60 s (each shortened by at most half)',
    steps: [broker({ refuse: 'ECONNREFUSED' }), connect(), wait(400000), expectDials({ gaps: GROWING })],
  },
  {
    name: 'backoff: CONNACK 3 (server unavailable) backs off the same way',
    steps: [broker({ connack: 3 }), connect(), wait(400000), expectDials({ gaps: GROWING })],
  },
  {
    name: 'backoff: connect timeouts back off the same way, counted from the closed attempt',
    steps: [broker({}), connect(), wait(600000), expectDials({ gaps: GROWING })],
  },
  ...ACCEPT_THEN_FAIL.map(function (f): Case {
    return {
      name: 'healthy-link rule: a broker that accepts and then ' + f[0] + ' gets at most 25 attempts in 5 minutes, the delay growing to 60 s',
      knownDefect: undefined,
      steps: [broker({ connack: 0, then: f[1] }), connect(), wait(300000),
        expectDials({ count: [8, 25], gaps: delays(7) })],
    };
  }),
  {
    name: 'healthy-link rule: after five minutes of accept-then-fail, about one attempt a minute (delays of 30–60 s)',
    knownDefect: undefined,
    steps: [broker({ connack: 0, then: 'drop' }), connect(), wait(300000), expectDials({ count: [8, 25] }),
      wait(300000), expectDials({ count: [5, 10], gaps: delays(5, 6) })],
  },
  {
    name: 'healthy-link rule: a link lost within 30 s of CONNACK keeps the backoff growing',
    knownDefect: undefined,
    steps: [broker({ refuse: 'ECONNREFUSED' }, 3), broker({ connack: 0, then: 'drop', after: 20000 }, 1), broker({ refuse: 'ECONNREFUSED' }),
      connect(), wait(200000), expectDials({ gaps: delays(6) })],
  },
  {
    // keepalive 0: the link's pings are not what this case is about
    name: 'healthy-link rule: after a link that stayed up 30 s the first reconnect comes within the minimum delay',
    options: { keepalive: 0 },
    steps: [...online(false, 'CONNECT dev1 clean k=0'), wait(31000), drop('ECONNRESET'), expect(err('CONNECTION_LOST'), 'onClose'),
      wait(1000), expect(at([500, 1000], 'dial broker.test:1883'))],
  },
  {
    name: 'healthy-link rule: a healthy link after a storm starts the delays again from 1 s',
    steps: [broker({ refuse: 'ECONNREFUSED' }, 6), broker({ connack: 0, then: 'drop', after: 31000 }, 1), broker({ refuse: 'ECONNREFUSED' }),
      connect(), wait(300000), expectDials({ gaps: delays(6).concat(delays(3)) })],
  },
  {
    name: 'healthy-link rule: a link that dies by PING_TIMEOUT (keepalive 60 s) was healthy: reconnect within the minimum delay',
    steps: [...online(), wait(91000), expectDials({ gaps: [[500, 1000]] })],
  },
];
