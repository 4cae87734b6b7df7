// The conformance driver for LiteClient (src/lite/client.ts): a LitePlatform over the scripted
// network that speaks byte strings (one char per byte), as Espruino's sockets do. Options and
// calls LiteClient has no API for throw Unsupported; the table marks those cases as differences.
import { LiteClient } from '../../src/lite/client.js';
import type { LiteOptions, LitePlatform, LiteSink, LiteTransport } from '../../src/lite/types.js';
import type { Net } from './net.js';
import type { Bytes } from './wire.js';
import type { Call, CaseOptions } from './types.js';
import type { ClientUnderTest, Driver } from './driver.js';
import { DEFAULT_CLIENT_ID, DEFAULT_URL, Unsupported } from './driver.js';
import { quote, topicText } from './wire.js';

function toByteString(b: Bytes): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function fromByteString(s: string): Bytes {
  const b: Bytes = [];
  for (let i = 0; i < s.length; i++) b.push(s.charCodeAt(i));
  return b;
}

function platformOver(net: Net): LitePlatform {
  return {
    connect(host: string, port: number, secure: boolean, sink: LiteSink): LiteTransport {
      const l = net.dial(host, port, secure);
      l.sink = {
        open: function () { sink.onOpen(); },
        data: function (b) { sink.onData(toByteString(b)); },
        close: function (reason) { sink.onClose(reason); },
      };
      return {
        write: function (data: string) {
          const b = fromByteString(data);
          for (let i = 0; i < b.length; i++) {
            if (b[i] > 255) { net.record('wire', 'write of a char above 255: not a byte string'); return; }
          }
          l.written(b);
        },
        end: function () { l.closed(); },
      };
    },
    now: function () { return net.now(); },
    setTimer: function (ms: number, fn: () => void) { return net.setTimer(ms, fn); },
    clearTimer: function (h: unknown) { net.clearTimer(h); },
    deviceId: function () { return net.deviceIdValue; },
  };
}

/** What the application passes: a table text as it is (LiteClient expects byte strings), bytes as a byte string. */
function arg(v: string | Bytes | undefined): string {
  return v === undefined ? '' : typeof v === 'string' ? v : toByteString(v);
}

export const liteDriver: Driver = {
  key: 'lite',
  name: 'LiteClient',
  start(o: CaseOptions, net: Net, after: (on: string) => void): ClientUnderTest {
    const mqttOnly = ['clean', 'servers', 'reconnect', 'connectTimeout', 'onPublished'];
    for (let i = 0; i < mqttOnly.length; i++) {
      if ((o as Record<string, unknown>)[mqttOnly[i]] !== undefined) throw new Unsupported('option ' + mqttOnly[i]);
    }
    const opts: LiteOptions = { url: o.url === undefined ? DEFAULT_URL : o.url, platform: platformOver(net) };
    if (o.clientId !== null) opts.clientId = o.clientId === undefined ? DEFAULT_CLIENT_ID : o.clientId;
    const copy = ['keepalive', 'username', 'password', 'will', 'receiveBufferSize', 'transmitBufferSize', 'outboxSize', 'maxInflight'];
    for (let i = 0; i < copy.length; i++) {
      const v = (o as Record<string, unknown>)[copy[i]];
      if (v !== undefined) (opts as unknown as Record<string, unknown>)[copy[i]] = v;
    }
    const c = new LiteClient(opts);
    c.onConnect = function (sp) { net.record('app', 'onConnect ' + sp); after('onConnect'); };
    c.onMessage = function (topic, payload, info) {
      net.record('app', 'onMessage ' + topicText(fromByteString(topic)) + ' q' + info.qos + (info.retain ? ' retain' : '') +
        (info.dup ? ' dup' : '') + ' ' + quote(fromByteString(payload)));
      after('onMessage');
    };
    c.onError = function (e) { net.record('app', 'onError ' + e.code + ': ' + e.message); after('onError'); };
    c.onClose = function () { net.record('app', 'onClose'); };
    return {
      call(k: Call): string | undefined {
        if (k.call === 'connect') { c.connect(); return undefined; }
        if (k.call === 'end') { c.end(); return undefined; }
        const topic = k.topic as string;
        if (k.call === 'publish') return c.publish(topic, arg(k.payload), k.qos as 0 | 1, k.retain === true);
        if (k.call === 'subscribe') {
          if (k.handler) throw new Unsupported('subscribe with a handler');
          return c.subscribe(topic, k.qos as 0 | 1);
        }
        return c.unsubscribe(topic);
      },
    };
  },
};
