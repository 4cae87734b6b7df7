// One error type for the whole library, with a stable code a program can switch on.
// It deliberately does not extend Error: Espruino builds `class X extends Error` wrongly,
// and a plain class costs less on every engine. `toString()` gives the readable form.

export type MqttErrorCode =
  // from the broker or the link
  | 'PACKET_MALFORMED' // bytes that are not a valid MQTT 3.1.1 packet for a client
  | 'PROTOCOL_ERROR' // a valid packet at the wrong time, or one a client must never get
  | 'MESSAGE_TOO_LARGE' // an incoming PUBLISH larger than the receive buffer (drained, counted)
  | 'CONNACK_REFUSED_PROTOCOL_VERSION' // CONNACK 1
  | 'CONNACK_REFUSED_IDENTIFIER_REJECTED' // CONNACK 2 (fatal: no retry)
  | 'CONNACK_REFUSED_SERVER_UNAVAILABLE' // CONNACK 3
  | 'CONNACK_REFUSED_BAD_CREDENTIALS' // CONNACK 4 (fatal: no retry)
  | 'CONNACK_REFUSED_NOT_AUTHORIZED' // CONNACK 5 (fatal: no retry)
  | 'CONNECT_TIMEOUT' // no CONNACK in time
  | 'PING_TIMEOUT' // no PINGRESP in time: the link is dead
  | 'CONNECTION_LOST' // the transport closed or failed
  | 'SUBSCRIBE_FAILED' // SUBACK 0x80 for a filter
  // from the user
  | 'TOPIC_INVALID'
  | 'STRING_TOO_LONG'
  | 'PACKET_ID_INVALID'
  | 'PACKET_TOO_LARGE' // does not fit the transmit buffer or the outbox
  | 'QUEUE_FULL' // the outbox has no room for another QoS 1 message
  | 'NOT_CONNECTED' // QoS 0 publish, subscribe or unsubscribe while offline
  | 'INVALID_ARGUMENT';

// The codes raised from many places, as shared constants: the minifier keeps one copy of the
// text instead of one per use (each is ~18 bytes of Espruino memory).
export const INVALID_ARGUMENT = 'INVALID_ARGUMENT';
export const PACKET_MALFORMED = 'PACKET_MALFORMED';
export const PACKET_TOO_LARGE = 'PACKET_TOO_LARGE';
export const TOPIC_INVALID = 'TOPIC_INVALID';
export const PROTOCOL_ERROR = 'PROTOCOL_ERROR';
export const CONNECTION_LOST = 'CONNECTION_LOST';
export const STRING_TOO_LONG = 'STRING_TOO_LONG';
export const QUEUE_FULL = 'QUEUE_FULL';
export const NOT_CONNECTED = 'NOT_CONNECTED';

export class MqttError {
  name: string;
  code: MqttErrorCode;
  message: string;
  constructor(code: MqttErrorCode, message: string) {
    this.name = 'MqttError';
    this.code = code;
    this.message = message;
  }
  toString(): string {
    return 'MqttError ' + this.code + ': ' + this.message;
  }
}

export function isMqttError(value: unknown): value is MqttError {
  return value instanceof MqttError;
}
