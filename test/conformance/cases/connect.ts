// Connecting: what CONNECT carries, every CONNACK code, the connect timeout, a link that fails.
import type { Case } from '../types.js';
import { connack } from '../wire.js';
import {
  CONNECT_DEV1, DIAL, at, broker, connect, drop, err, expect, online, open, send, variant, wait,
} from '../steps.js';

// [code, error code, words, retries, MqttClient's words today]
const REFUSED: [number, string, string, boolean, string][] = [
  [1, 'CONNACK_REFUSED_PROTOCOL_VERSION', 'connection refused (CONNACK 1): the broker does not speak MQTT 3.1.1', true,
    'connection refused: the broker does not speak MQTT 3.1.1 (CONNACK 1)'],
  [2, 'CONNACK_REFUSED_IDENTIFIER_REJECTED', 'connection refused (CONNACK 2): the broker rejected the client id; use another one', false,
    'connection refused: the broker rejected the client id (CONNACK 2)'],
  [3, 'CONNACK_REFUSED_SERVER_UNAVAILABLE', 'connection refused (CONNACK 3): the broker is unavailable; retrying', true,
    'connection refused: the broker is unavailable (CONNACK 3)'],
  [4, 'CONNACK_REFUSED_BAD_CREDENTIALS', 'connection refused (CONNACK 4): bad user name or password, or not authorized; check the credentials and the broker\'s access rules', false,
    'connection refused: the broker rejected the username or password (CONNACK 4)'],
  [5, 'CONNACK_REFUSED_NOT_AUTHORIZED', 'connection refused (CONNACK 5): bad user name or password, or not authorized; check the credentials and the broker\'s access rules', false,
    'connection refused: the client is not authorized to connect (CONNACK 5)'],
];

const words = function (today: string): string { return 'same code, other words: "' + today + '"'; };
const TIMEOUT_TODAY = { };

export const connectCases: Case[] = [
  {
    name: 'connect: nothing is written before the link opens; CONNECT carries the client id, a clean session and keepalive 60; CONNACK 0 → onConnect(false)',
    steps: [connect(), expect(DIAL), open(), expect(CONNECT_DEV1), send(connack()), expect('onConnect false')],
  },
  {
    name: 'connect: the URL\'s port, percent-decoded user and password, keepalive and will reach CONNECT',
    options: { url: 'mqtt://us%40er:p%3Aw@broker.test:1884', keepalive: 30,
      will: { topic: 'dev/status', payload: 'offline', qos: 1, retain: true } },
    steps: [connect(), open(), send(connack()),
      expect('dial broker.test:1884', 'CONNECT dev1 clean k=30 will=dev/status q1 retain "offline" user=us@er pass=p:w', 'onConnect false')],
  },
  {
    name: 'connect: a QoS 0 will that is not retained',
    options: { will: { topic: 'w', payload: 'gone', qos: 0, retain: false } },
    steps: [connect(), open(), expect(DIAL, 'CONNECT dev1 clean k=60 will=w q0 "gone"')],
  },
  {
    name: 'connect: a CONNACK just inside the 10 s deadline connects',
    steps: [connect(), open(), expect(DIAL, CONNECT_DEV1), wait(9999), send(connack()), expect(at(9999, 'onConnect false')), wait(20000), expect()],
  },
  {
    name: 'connect: username and password options win over the URL\'s',
    options: { url: 'mqtt://a:b@broker.test', username: 'opt', password: 'secret' },
    steps: [connect(), open(), expect(DIAL, 'CONNECT dev1 clean k=60 user=opt pass=secret')],
  },
  {
    name: 'connect: mqtts:// dials port 8883 over TLS',
    options: { url: 'mqtts://broker.test' },
    steps: [connect(), expect('dial broker.test:8883 tls')],
  },
  {
    name: 'connect: without a client id each client makes its own',
    options: { clientId: null, deviceId: 'chip7' },
    steps: [connect(), open(), expect(DIAL, variant('defaultClientId', ['CONNECT mcu-chip7 clean k=60'], ['CONNECT mqtt-* clean k=60']))],
  },
  {
    name: 'connect: connect() again while connecting or connected dials no second link',
    steps: [connect(), connect(), expect(DIAL), open(), connect(), send(connack()), connect(),
      expect(CONNECT_DEV1, 'onConnect false'), wait(5000), expect()],
  },
  ...REFUSED.map(function (r): Case {
    const [code, name, text, retries, today] = r;
    return {
      knownDefect: undefined,
      name: 'connect: CONNACK ' + code + ' is ' + name + (retries ? '; the client retries after the backoff' : '; the client stops (retrying cannot help)'),
      steps: [connect(), open(), expect(DIAL, CONNECT_DEV1), send(connack(code)),
        expect('close', err(name, text)),
        ...(retries ? [wait(1000), expect(at([500, 1000], DIAL))] : [wait(600000), expect()])],
    };
  }),
  {
    name: 'connect: CONNACK 4 stops the retries, but connect() tries again',
    steps: [connect(), open(), send(connack(4)), expect(DIAL, CONNECT_DEV1, 'close', err('CONNACK_REFUSED_BAD_CREDENTIALS')),
      wait(120000), expect(), connect(), expect(DIAL)],
  },
  {
    name: 'connect: no CONNACK within 10 s is CONNECT_TIMEOUT; the link is closed and the client retries',
    knownDefect: TIMEOUT_TODAY,
    steps: [connect(), open(), expect(DIAL, CONNECT_DEV1), wait(10000),
      expect(at(10000, 'close'), at(10000, err('CONNECT_TIMEOUT', 'no CONNACK within 10000 ms'))),
      wait(1000), expect(at([500, 1000], DIAL))],
  },
  {
    name: 'connect: a TCP connection that never opens times out after 10 s too',
    knownDefect: TIMEOUT_TODAY,
    steps: [connect(), expect(DIAL), wait(9999), expect(), wait(1),
      expect(at(1, 'close'), at(1, err('CONNECT_TIMEOUT', 'no CONNACK within 10000 ms')))],
  },
  {
    name: 'connect: a refused TCP connection is CONNECTION_LOST with the platform\'s reason; the client retries',
    knownDefect: undefined,
    steps: [connect(), expect(DIAL), drop('ECONNREFUSED'),
      expect(err('CONNECTION_LOST', 'connection lost: ECONNREFUSED')), wait(1000), expect(at([500, 1000], DIAL))],
  },
  {
    name: 'connect: a link lost during the handshake is CONNECTION_LOST with the reason; the client retries',
    knownDefect: undefined,
    steps: [connect(), open(), expect(DIAL, CONNECT_DEV1), drop('ECONNRESET'),
      expect(err('CONNECTION_LOST', 'connection lost: ECONNRESET')), wait(1000), expect(at([500, 1000], DIAL))],
  },
  {
    name: 'connect: platform.connect() throwing is CONNECTION_LOST with the error\'s message; the client retries',
    knownDefect: undefined,
    steps: [broker({ throws: 'Unable to create socket' }, 1), connect(),
      expect(DIAL, err('CONNECTION_LOST', 'connection lost: Unable to create socket')), wait(1000), expect(at([500, 1000], DIAL))],
  },
  {
    name: 'connect: a link lost without a reason is CONNECTION_LOST "connection lost", then onClose',
    knownDefect: undefined,
    steps: [...online(), drop(), expect(err('CONNECTION_LOST', 'connection lost'), 'onClose')],
  },
  {
    name: 'connect: a link lost with a reason says it: "connection lost: ECONNRESET"',
    knownDefect: undefined,
    steps: [...online(), drop('ECONNRESET'), expect(err('CONNECTION_LOST', 'connection lost: ECONNRESET'), 'onClose'),
      wait(1000), expect(at([500, 1000], DIAL))],
  },
];
