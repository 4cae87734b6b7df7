// Every row of CONTRACTS' fault table ("One behaviour for both clients"), and every malformed-input
// rule the decoder checks: the same code and the same words from both clients, the link closed.
// Rules "at the first byte" get only that byte; "when the length is known" only the fixed header:
// the client must not wait for more.
import type { Bytes } from '../wire.js';
import type { Case, Step } from '../types.js';
import { connack, packet, publish as pub, puback, suback, unsuback, pingresp } from '../wire.js';
import {
  CONNECT_DEV1, DIAL, at, connect, err, expect, late, online, open, send, subscribe, wait,
} from '../steps.js';

const M = 'PACKET_MALFORMED', P = 'PROTOCOL_ERROR';

type Today = Case['knownDefect'];

// Every fault here closes the link and the client reconnects after the first backoff delay.
const RECONNECT: Step[] = [wait(1000), expect(at([500, 1000], DIAL))];

/** Connected, then the broker sends `bytes`: the client closes the link and says `code: words`. */
function connected(name: string, bytes: Bytes, code: string, words: string, today?: Today): Case {
  return {
    name: 'fault: ' + name, knownDefect: today,
    steps: [...online(), send(bytes), expect('close', err(code, words), 'onClose'), ...RECONNECT],
  };
}

/** CONNECT written, no CONNACK yet, then the broker sends `bytes`. */
function handshake(name: string, bytes: Bytes, code: string, words: string, today?: Today): Case {
  return {
    name: 'fault: ' + name, knownDefect: today,
    steps: [connect(), open(), expect(DIAL, CONNECT_DEV1), send(bytes), expect('close', err(code, words)), ...RECONNECT],
  };
}

/** A SUBSCRIBE in flight (id 1), then `bytes` from the broker. */
function afterSubscribe(name: string, bytes: Bytes, code: string, words: string, today: Today, receiveBufferSize?: number): Case {
  const steps: Step[] = [...online(), subscribe('a', 1, 'sent'), expect('SUBSCRIBE 1 a q1'), send(bytes),
    expect('close', err(code, words), 'onClose'), ...RECONNECT];
  return { name: 'fault: ' + name, knownDefect: today, steps: steps, options: receiveBufferSize ? { receiveBufferSize: receiveBufferSize } : undefined };
}

// What LiteClient does today with a rule checked at the first byte or at the fixed header.
const LITE_WAITS = 'nothing happens: the fixed header is checked only once the whole packet is here (issue 12 item 4)';
const words = function (today: string): string { return 'same code, other words: "' + today + '"'; };

const FIRST_BYTE_FLAGS: [string, number, number][] = [
  ['CONNACK', 0x21, 1], ['PUBACK', 0x42, 2], ['PUBREC', 0x58, 8], ['PUBREL', 0x60, 0], ['PUBCOMP', 0x71, 1],
  ['SUBACK', 0x91, 1], ['UNSUBACK', 0xbf, 15], ['PINGRESP', 0xd4, 4],
];

const CLIENT_ONLY: [string, number][] = [['CONNECT', 0x10], ['SUBSCRIBE', 0x82], ['UNSUBSCRIBE', 0xa2], ['PINGREQ', 0xc0], ['DISCONNECT', 0xe0]];

// [name, fixed header as sent, remaining length, MqttClient's words today after the table's]
const WRONG_LENGTH: [string, number, number, string][] = [
  ['PUBACK', 0x40, 3, ', expected 2'], ['PUBACK', 0x40, 1, ', expected 2'], ['UNSUBACK', 0xb0, 0, ', expected 2'],
  ['PINGRESP', 0xd0, 1, ', expected 0'], ['SUBACK', 0x90, 2, ', expected at least 3'],
  ['PUBLISH', 0x30, 1, ', too short for a topic (at least 3)'], ['PUBLISH', 0x32, 3, ', too short for a topic and packet id (at least 5)'],
];

const BAD_TOPICS: [string, Bytes, string][] = [
  ['a truncated 2-byte sequence', [0x61, 0xc3], 'PUBLISH topic is not valid UTF-8'],
  ['the byte 0xff', [0x61, 0xff, 0x62], 'PUBLISH topic is not valid UTF-8'],
  ['an overlong "/" (c0 af)', [0x61, 0xc0, 0xaf], 'PUBLISH topic is not valid UTF-8'],
  ['an overlong U+0000 (c0 80)', [0x61, 0xc0, 0x80], 'PUBLISH topic is not valid UTF-8'],
  ['an encoded surrogate (ed a0 80)', [0x61, 0xed, 0xa0, 0x80], 'PUBLISH topic is not valid UTF-8'],
  ['a code point above U+10FFFF (f4 90 80 80)', [0xf4, 0x90, 0x80, 0x80], 'PUBLISH topic is not valid UTF-8'],
  ['a lone continuation byte (80)', [0x80, 0x61], 'PUBLISH topic is not valid UTF-8'],
  ['U+0000', [0x61, 0x00, 0x62], 'PUBLISH topic contains U+0000'],
  ['+', [0x61, 0x2f, 0x2b], 'PUBLISH topic contains a wildcard (+ or #)'],
  ['#', [0x61, 0x2f, 0x23], 'PUBLISH topic contains a wildcard (+ or #)'],
];

const BEFORE_CONNACK: [string, Bytes, number][] = [
  ['PUBLISH', pub('t', 'x'), 3], ['PUBACK', puback(1), 4], ['SUBACK', suback(1, [0]), 9], ['UNSUBACK', unsuback(1), 11], ['PINGRESP', pingresp(), 13],
];

export const faultCases: Case[] = [
  // ---- at the first byte ----
  connected('first byte of type 0 (reserved), alone', [0x00], M, 'packet type 0 is reserved',
    { }),
  connected('first byte of type 15 (reserved), alone', [0xf0], M, 'packet type 15 is reserved',
    { }),
  ...CLIENT_ONLY.map(function (c): Case {
    return connected(c[0] + ' from the broker (first byte only)', [c[1]], P, 'the broker sent ' + c[0] + ', which only a client sends', {
      });
  }),
  ...FIRST_BYTE_FLAGS.map(function (f): Case {
    const flags = '0x' + f[2].toString(16);
    return connected(f[0] + ' with fixed-header flags ' + flags + ' (first byte only)', [f[1]], M, f[0] + ' with fixed-header flags ' + flags,
      { });
  }),
  connected('PUBLISH with QoS 3 (first byte only)', [0x36], M, 'PUBLISH with QoS 3',
    { }),
  connected('PUBLISH with QoS 3, DUP and retain (first byte only)', [0x3f], M, 'PUBLISH with QoS 3',
    { }),
  // ---- the remaining length ----
  connected('remaining length longer than 4 bytes (fixed header only)', [0x30, 0xff, 0xff, 0xff, 0xff], M, 'remaining length longer than 4 bytes',
    { }),
  ...WRONG_LENGTH.map(function (w): Case {
    const name = w[0];
    return connected(name + ' with remaining length ' + w[2] + ' (fixed header only)', [w[1], w[2]], M, name + ' with remaining length ' + w[2], {
      });
  }),
  handshake('CONNACK with remaining length 3 (fixed header only)', [0x20, 3], M, 'CONNACK with remaining length 3',
    { }),
  handshake('CONNACK with remaining length 1 (fixed header only)', [0x20, 1], M, 'CONNACK with remaining length 1',
    { }),
  afterSubscribe('SUBACK larger than the receive buffer (fixed header only)', [0x90, 20], P, 'SUBACK of 22 bytes is larger than the receive buffer (16 bytes)',
    { }, 16),
  // ---- QoS 2 ----
  connected('PUBLISH with QoS 2', pub('t', 'x', { qos: 2, id: 3 }), P, 'PUBLISH with QoS 2, which this client never subscribes to',
    { }),
  connected('PUBREC', [0x50, 2, 0, 1], P, 'PUBREC received, but this client never uses QoS 2', { }),
  connected('PUBREL', [0x62, 2, 0, 1], P, 'PUBREL received, but this client never uses QoS 2',
    { }),
  connected('PUBCOMP', [0x70, 2, 0, 1], P, 'PUBCOMP received, but this client never uses QoS 2', { }),
  // ---- CONNACK ----
  ...BEFORE_CONNACK.map(function (b): Case {
    return handshake(b[0] + ' before CONNACK', b[1], P, b[0] + ' received before CONNACK', { });
  }),
  handshake('QoS 1 PUBLISH before CONNACK (not acknowledged)', pub('t', 'x', { qos: 1, id: 4 }), P, 'PUBLISH received before CONNACK',
    { }),
  connected('a second CONNACK', connack(), P, 'CONNACK received twice',
    { }),
  handshake('CONNACK with reserved flag bits 0x2', [0x20, 2, 2, 0], M, 'CONNACK with flags 0x2',
    { }),
  handshake('CONNACK with reserved flag bits 0x80', [0x20, 2, 0x80, 0], M, 'CONNACK with flags 0x80',
    { }),
  handshake('CONNACK with return code 6', connack(6), P, 'CONNACK with unknown return code 6', { }),
  handshake('CONNACK with return code 255', connack(255), P, 'CONNACK with unknown return code 255', { }),
  // ---- PUBLISH ----
  connected('PUBLISH with an empty topic', [0x30, 3, 0, 0, 0x78], M, 'PUBLISH with an empty topic',
    { }),
  connected('PUBLISH whose topic length runs past the packet', [0x30, 4, 0, 5, 0x61, 0x62], M, 'PUBLISH topic runs past the end of the packet',
    { }),
  connected('QoS 1 PUBLISH with packet id 0', pub('t', 'x', { qos: 1, id: 0 }), M, 'PUBLISH with packet id 0',
    { }),
  ...BAD_TOPICS.map(function (b): Case {
    return connected('PUBLISH topic with ' + b[0], pub(b[1], 'x', { qos: 1, id: 2 }), M, b[2],
      { });
  }),
  // ---- SUBACK ----
  afterSubscribe('SUBACK return code 3', suback(1, [3]), M, 'SUBACK return code 0x3',
    { }),
  afterSubscribe('SUBACK return code 0x81', suback(1, [0x81]), M, 'SUBACK return code 0x81',
    { }),
  {
    name: 'fault: bytes and a close event that the closed link still delivers are ignored',
    steps: [...online(), send(packet(0x40, [0, 1, 2])), expect('close', err(M), 'onClose'), late(pub('t', 'x', { qos: 1, id: 3 })), late('close'),
      expect(), ...RECONNECT],
  },
];
