// end() in each state: connecting (dialled), handshake (CONNECT sent), connected, waiting to
// reconnect, and from inside callbacks. DISCONNECT only on a connected link; never a reconnect.
import type { Case } from '../types.js';
import { publish as pub } from '../wire.js';
import {
  CONNECT_DEV1, DIAL, connect, drop, end, err, expect, late, online, open, react, wait,
} from '../steps.js';

const QUIET = [wait(600000), expect()];

export const endCases: Case[] = [
  {
    name: 'end: while connecting (dialled, not open) the link is closed, nothing is written, no reconnect',
    steps: [connect(), expect(DIAL), end(), expect('close'), ...QUIET],
  },
  {
    name: 'end: during the handshake (CONNECT sent) the link is closed without DISCONNECT, no reconnect',
    steps: [connect(), open(), expect(DIAL, CONNECT_DEV1), end(), expect('close'), ...QUIET],
  },
  {
    name: 'end: while connected, DISCONNECT then close, onClose, no error, no reconnect; end() again does nothing',
    steps: [...online(), end(), expect('DISCONNECT', 'close', 'onClose'), end(), ...QUIET],
  },
  {
    name: 'end: bytes and a close event that the old link still delivers after end() are ignored',
    steps: [...online(), end(), expect('DISCONNECT', 'close', 'onClose'), late(pub('t', 'x', { qos: 1, id: 3 })), late('close'), ...QUIET],
  },
  {
    name: 'end: while waiting to reconnect, nothing is written and no reconnect comes',
    steps: [...online(), drop('ECONNRESET'), expect(err('CONNECTION_LOST'), 'onClose'), end(), expect(), ...QUIET],
  },
  {
    name: 'end: before connect() it does nothing',
    steps: [end(), expect(), ...QUIET],
  },
  {
    name: 'end: from inside onMessage, the PUBACK of that message goes out before DISCONNECT',
    steps: [react('onMessage', end()), ...online(), { send: pub('t', 'x', { qos: 1, id: 4 }) },
      expect('onMessage t q1 "x"', 'PUBACK 4', 'DISCONNECT', 'close', 'onClose'), ...QUIET],
  },
  {
    name: 'end: from inside onError, the client does not reconnect',
    steps: [react('onError', end()), ...online(), drop('ECONNRESET'), expect(err('CONNECTION_LOST'), 'onClose'), ...QUIET],
  },
];
