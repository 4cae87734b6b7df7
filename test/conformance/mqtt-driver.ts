// The conformance driver for MqttClient (src/client.ts): a Platform over the scripted network,
// the case's options passed as they are, callbacks written into the transcript.
import { MqttClient } from '../../src/client.js';
import type { ClientOptions, Platform, Transport, TransportSink } from '../../src/client.js';
import type { Net } from './net.js';
import type { Call, CaseOptions } from './types.js';
import type { ClientUnderTest, Driver } from './driver.js';
import { DEFAULT_CLIENT_ID, DEFAULT_URL } from './driver.js';
import { bytesOf, quote, topicText, utf8 } from './wire.js';

function platformOver(net: Net): Platform {
  return {
    connect(host: string, port: number, secure: boolean, sink: TransportSink): Transport {
      const l = net.dial(host, port, secure);
      l.sink = {
        open: function () { sink.onOpen(); },
        data: function (b) { const u = new Uint8Array(b); sink.onData(u, 0, u.length); },
        close: function (reason) { sink.onClose(reason); },
      };
      return {
        write: function (buf: Uint8Array, start: number, end: number) { l.written(Array.prototype.slice.call(buf, start, end)); },
        close: function () { l.closed(); },
      };
    },
    now: function () { return net.now(); },
    setTimer: function (ms: number, fn: () => void) { return net.setTimer(ms, fn); },
    clearTimer: function (h: unknown) { net.clearTimer(h); },
    deviceId: function () { return net.deviceIdValue; },
  };
}

export const mqttDriver: Driver = {
  key: 'mqtt',
  name: 'MqttClient',
  start(o: CaseOptions, net: Net, after: (on: string) => void): ClientUnderTest {
    const opts: ClientOptions = { url: o.url === undefined ? DEFAULT_URL : o.url, platform: platformOver(net) };
    if (o.clientId !== null) opts.clientId = o.clientId === undefined ? DEFAULT_CLIENT_ID : o.clientId;
    const copy = ['keepalive', 'username', 'password', 'will', 'receiveBufferSize', 'transmitBufferSize', 'outboxSize',
      'maxInflight', 'clean', 'servers', 'reconnect', 'connectTimeout'];
    for (let i = 0; i < copy.length; i++) {
      const v = (o as Record<string, unknown>)[copy[i]];
      if (v !== undefined) (opts as unknown as Record<string, unknown>)[copy[i]] = v;
    }
    const c = new MqttClient(opts);
    c.onConnect = function (sp) { net.record('app', 'onConnect ' + sp); after('onConnect'); };
    c.onMessage = function (topic, payload, info) {
      net.record('app', 'onMessage ' + topicText(utf8(topic)) + ' q' + info.qos + (info.retain ? ' retain' : '') +
        (info.dup ? ' dup' : '') + ' ' + quote(payload));
      after('onMessage');
    };
    c.onError = function (e) { net.record('app', 'onError ' + e.code + ': ' + e.message); after('onError'); };
    c.onClose = function () { net.record('app', 'onClose'); };
    if (o.onPublished) c.onPublished = function (id) { net.record('app', 'onPublished ' + id); };
    return {
      call(k: Call): string | undefined {
        if (k.call === 'connect') { c.connect(); return undefined; }
        if (k.call === 'end') { c.end(); return undefined; }
        const topic = k.topic as string;
        if (k.call === 'publish') {
          const p = k.payload === undefined ? '' : k.payload;
          return c.publish(topic, typeof p === 'string' ? p : new Uint8Array(bytesOf(p)), k.qos as 0 | 1, k.retain === true);
        }
        if (k.call === 'subscribe') {
          if (!k.handler) return c.subscribe(topic, k.qos as 0 | 1);
          return c.subscribe(topic, k.qos as 0 | 1, function (t, payload, info) {
            net.record('app', 'handler ' + topic + ' ' + topicText(utf8(t)) + ' q' + info.qos + (info.retain ? ' retain' : '') +
              (info.dup ? ' dup' : '') + ' ' + quote(payload));
          });
        }
        return c.unsubscribe(topic);
      },
    };
  },
};
