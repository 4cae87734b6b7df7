// Every documented difference between MqttClient and LiteClient, in one place. Cases in the table
// refer to these keys: `differs: [key]` for something one client lacks (the case must still fail
// for it, so a client that gains the feature makes the run say "update the difference"), or
// { variant: key } entries where each client's behaviour is specified. README's comparison of
// the two clients is generated from this list (readme.ts) and checked against it by a test.
import type { Difference } from './types.js';

export const DIFFERENCES: Difference[] = [
  {
    key: 'handlers', lacking: 'lite', what: 'Per-filter handlers',
    MqttClient: '`subscribe(filter, qos, handler)`: matching messages go to the handler, the rest to `onMessage`',
    LiteClient: 'every message goes to `onMessage`',
    why: 'topic matching is code, and on Espruino code is RAM; an app can switch on the topic itself',
  },
  {
    key: 'failover', lacking: 'lite', what: 'Failover list',
    MqttClient: '`servers: [...]`, tried in turn after a failed attempt',
    LiteClient: 'one `url`',
    why: 'a device on one Wi-Fi network has one broker; the list is code every device would carry',
  },
  {
    key: 'persistentSession', lacking: 'lite', what: 'Persistent sessions',
    MqttClient: '`clean: false`; with session present nothing is subscribed again',
    LiteClient: 'always a clean session: its filters are subscribed again on every connect',
    why: 'a persistent session needs bookkeeping of unconfirmed (un)subscriptions across links; resubscribing is small',
  },
  {
    key: 'onPublished', lacking: 'lite', what: '`onPublished`',
    MqttClient: '`onPublished(id)` for each PUBACK, with `lastPacketId` to match it',
    LiteClient: 'none: the outbox drains by itself',
    why: 'a sensor does not wait for acknowledgements; QoS 1 delivery is the outbox\'s job',
  },
  {
    key: 'subackFilter', lacking: 'lite', what: 'Refused subscriptions',
    MqttClient: 'SUBSCRIBE_FAILED names the filter, which is not subscribed again after a reconnect',
    LiteClient: 'SUBSCRIBE_FAILED without the filter, which is subscribed again on every connect',
    why: 'LiteClient keeps no table of which SUBSCRIBE a SUBACK answers',
  },
  {
    key: 'reconnectOptions', lacking: 'lite', what: 'Backoff and CONNACK deadline',
    MqttClient: '`reconnect: { min, max, jitter }` and `connectTimeout` options (defaults 1 s, 60 s, 0.5, 10 s)',
    LiteClient: 'fixed at those defaults',
    why: 'the defaults suit a device; options are code',
  },
  {
    key: 'urlForms', lacking: 'lite', what: 'Broker address',
    MqttClient: '`mqtt://`, `mqtts://`, `tcp://`, `ssl://`, `[IPv6]` hosts, or `host`/`port`/`secure` options',
    LiteClient: '`mqtt://` and `mqtts://` URLs only',
    why: 'code size',
  },
  {
    key: 'utf8', lacking: 'lite', what: 'Text',
    MqttClient: 'strings are sent as UTF-8; payloads may be `Uint8Array`; a message\'s payload is a `Uint8Array` view',
    LiteClient: 'byte strings in and out (one char per byte): encode non-ASCII text yourself',
    why: 'Espruino\'s sockets speak byte strings; converting costs code and a copy per message',
  },
  {
    key: 'publishQos', lacking: 'lite', what: 'QoS other than 0 or 1',
    MqttClient: '`publish(..., 2)` returns INVALID_ARGUMENT',
    LiteClient: 'any QoS but 0 is QoS 1',
    why: 'one comparison less; neither client does QoS 2',
  },
  {
    key: 'ackAfterHandler', lacking: 'variant', yes: ['mqtt'], what: 'PUBACK of a received QoS 1 message',
    MqttClient: 'written after `onMessage` returns',
    LiteClient: 'written before `onMessage` runs',
    why: 'MqttClient acknowledges only what the application has had; LiteClient acknowledges as it parses the packet',
  },
  {
    key: 'subscribeErrors', lacking: 'variant', yes: ['mqtt'], what: 'An invalid filter',
    MqttClient: '`subscribe`/`unsubscribe` return the code and also call `onError`',
    LiteClient: 'they return the code only (as `publish` does in both)',
    why: 'the return value already says it; a second report is code',
  },
  {
    key: 'replayBatch', lacking: 'variant', yes: ['mqtt'], what: 'Subscribing again after a reconnect',
    MqttClient: 'all filters in as few SUBSCRIBE packets as the transmit buffer allows',
    LiteClient: 'one SUBSCRIBE per filter',
    why: 'LiteClient reads only the first code of a SUBACK, so each SUBSCRIBE carries one filter',
  },
  {
    key: 'qos1Transmit', lacking: 'variant', yes: ['mqtt'], what: 'QoS 1 larger than `transmitBufferSize`',
    MqttClient: 'sent: QoS 1 messages go out from the outbox, which bounds them',
    LiteClient: 'PACKET_TOO_LARGE: `transmitBufferSize` bounds every packet',
    why: 'MqttClient\'s transmit buffer holds only control packets and QoS 0; LiteClient has one bound for everything it writes',
  },
  {
    key: 'defaultClientId', lacking: 'variant', yes: ['mqtt'], what: 'Default client id',
    MqttClient: '`mcu-` + the platform\'s device id (random hex without one)',
    LiteClient: '`mqtt-` + the platform\'s device id + random hex',
    why: 'Espruino\'s Math.random repeats its sequence on every boot: the random part keeps two clients on one device apart, the device id two devices',
  },
  {
    key: 'memory', lacking: 'none', what: 'Memory',
    MqttClient: 'every buffer allocated once at construction; a publish of bytes allocates nothing, of a string only the engine\'s encodeInto result',
    LiteClient: 'the outbox (one Uint8Array of `outboxSize`) allocated at construction; a message costs a few short-lived strings',
    why: 'Espruino\'s sockets speak byte strings, and its memory is counted in variables: a flat outbox keeps it flat',
  },
  {
    key: 'properties', lacking: 'none', what: 'Client properties',
    MqttClient: '`connected`, `lastPacketId`, `stats`, `clientId`, `server`',
    LiteClient: '`connected`',
    why: 'code size',
  },
];
