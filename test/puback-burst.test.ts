// A broker may push many QoS 1 messages into one socket read (mosquitto does, to a subscriber
// that has fallen behind, and the netns loss tests showed it): every one of them must be
// acknowledged, or the broker's window for the client fills with messages it will never see
// acknowledged, and delivery stops while the link looks healthy. Scripted platforms, no network.
import test from 'ava';
import { MqttClient } from '../src/client.js';
import { LiteClient } from '../src/lite/client.js';
import * as core from './helpers/scripted-platform.js';
import * as lite from './helpers/scripted-lite-platform.js';

const COUNT = 300;

// (MqttClient used to skip the PUBACK of every message past the room in its transmit buffer, 128
// of them by default; it now writes each PUBACK as soon as the message has been handled.)
test('MqttClient: 300 QoS 1 PUBLISHes in one chunk are delivered and each PUBACKed once', (t) => {
  const p = new core.ScriptedPlatform();
  const c = new MqttClient({ url: 'mqtt://broker.test', clientId: 'burst', platform: p });
  const got: string[] = [];
  c.onMessage = (topic, payload) => { got.push(core.textOf(payload)); };
  c.connect();
  const l = p.last();
  l.open();
  l.feed(core.connack());
  p.advance(0);
  l.take();
  let chunk: number[] = [];
  for (let i = 1; i <= COUNT; i++) chunk = chunk.concat(core.publish('t', 'm' + i, 1, i));
  l.feed(chunk);
  p.advance(0);
  const acks = l.packets().filter((pk) => pk[0] === 0x40).map((pk) => (pk[2] << 8) | pk[3]);
  t.is(got.length, COUNT, 'every message delivered');
  t.is(acks.length, COUNT, 'PUBACKs written: ' + acks.length + ' (ids ' + acks[0] + '..' + acks[acks.length - 1] + ')');
  t.deepEqual(acks, Array.from({ length: COUNT }, (_, i) => i + 1));
});

test('LiteClient: 300 QoS 1 PUBLISHes in one chunk are delivered and each PUBACKed once', (t) => {
  const p = new lite.ScriptedLitePlatform();
  const c = new LiteClient({ url: 'mqtt://broker.test', clientId: 'burst', platform: p });
  const got: string[] = [];
  c.onMessage = (topic, payload) => { got.push(payload); };
  c.connect();
  const l = p.last();
  l.open();
  l.feed(lite.connack());
  l.take();
  let chunk = '';
  for (let i = 1; i <= COUNT; i++) chunk += lite.publish('t', 'm' + i, { qos: 1, id: i });
  l.feed(chunk);
  p.advance(0);
  const acks = l.packets().filter((pk) => pk.cmd === 'puback').map((pk) => (pk as { messageId: number }).messageId);
  t.is(got.length, COUNT);
  t.deepEqual(acks, Array.from({ length: COUNT }, (_, i) => i + 1));
});
