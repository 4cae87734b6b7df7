// Short constructors for the table's steps and expected lines, so a case reads as a script.
// They only build plain data (types.ts); nothing here knows either client.
import type { Bytes } from './wire.js';
import { connack } from './wire.js';
import type { BrokerScript, Call, DialStats, Entry, Payload, Step, Timed, Variant } from './types.js';

// ---- the application ----
export function connect(): Step { return { call: { call: 'connect' } }; }
export function end(): Step { return { call: { call: 'end' } }; }
export function publish(topic: string, payload: Payload, qos?: number, retain?: boolean, returns?: string): Step {
  return { call: { call: 'publish', topic: topic, payload: payload, qos: qos, retain: retain, returns: returns } };
}
export function subscribe(filter: string, qos?: number, returns?: string): Step {
  return { call: { call: 'subscribe', topic: filter, qos: qos, returns: returns } };
}
export function unsubscribe(filter: string, returns?: string): Step {
  return { call: { call: 'unsubscribe', topic: filter, returns: returns } };
}
/** The application makes `call` inside every later `on` callback. */
export function react(on: 'onConnect' | 'onMessage' | 'onError', call: Step): Step {
  return { on: on, react: call.call as Call };
}

// ---- the network and the broker ----
export function open(): Step { return { open: true }; }
export function send(...packets: Bytes[]): Step {
  let all: Bytes = [];
  for (let i = 0; i < packets.length; i++) all = all.concat(packets[i]);
  return { send: all };
}
export function drop(reason?: string): Step { return { drop: reason === undefined ? '' : reason }; }
export function wait(ms: number): Step { return { wait: ms }; }
/** The engine is busy for ms (a blocking call, a long handler): timers due meanwhile fire late. */
export function stall(ms: number): Step { return { stall: ms }; }
/** Events a real socket may still deliver after the client closed it: bytes, or its close. */
export function late(what: Bytes | 'close'): Step { return { late: what }; }
export function untilDial(maxMs: number): Step { return { untilDial: maxMs }; }
export function broker(script: BrokerScript, times?: number): Step { return { broker: script, times: times }; }

// ---- what the client did ----
export function expect(...entries: Entry[]): Step { return { expect: entries }; }
export function expectDials(stats: DialStats, ...entries: Entry[]): Step {
  return entries.length > 0 ? { expect: entries, dials: stats } : { dials: stats };
}
export function at(t: number | [number, number], e: string): Timed { return { e: e, at: t }; }
export function variant(key: string, yes: Entry[], no?: Entry[]): Variant { return { variant: key, yes: yes, no: no || [] }; }
/** onClose after a link that never got CONNACK 0: MqttClient says so, LiteClient does not (DIFFERENCES). */

export function err(code: string, message?: string): string {
  return 'onError ' + code + (message === undefined ? '' : ': ' + message);
}

export const DIAL = 'dial broker.test:1883';
export const CONNECT_DEV1 = 'CONNECT dev1 clean k=60';

/** connect(), the link opens, CONNACK 0: checks that much and leaves the client online at t=0. */
export function online(sessionPresent?: boolean, connectLine?: string): Step[] {
  return [
    connect(), open(), send(connack(0, sessionPresent)),
    expect(DIAL, connectLine === undefined ? CONNECT_DEV1 : connectLine, 'onConnect ' + (sessionPresent === true)),
  ];
}
