// The soak's counting subscriber, forked by scripts/soak.ts: MQTT.js with a kept session on a
// link nobody impairs, subscribed to soak/# at QoS 1; per topic it keeps the sequence numbers seen.
//   IPC in:  {ev:'start', url}, {ev:'count'}, {ev:'end'}
//   IPC out: {ev:'ready'}, {ev:'subscribed'}, {ev:'counts', unique: Record<topic, number>, below: ..., duplicates}
import mqtt from 'mqtt';

const seen = new Map<string, Set<number>>();
let duplicates = 0, client: mqtt.MqttClient | null = null;

function send(m: object): void { if (process.send) process.send(m); }

process.on('message', (m: { ev: string; url?: string; limits?: Record<string, number> }) => {
  if (m.ev === 'start') {
    client = mqtt.connect(m.url!, { protocolVersion: 4, clean: false, clientId: 'soak-sub-' + process.pid, reconnectPeriod: 200 });
    client.on('message', (topic, payload) => {
      let s = seen.get(topic);
      if (!s) { s = new Set(); seen.set(topic, s); }
      const n = Number(payload.toString());
      if (s.has(n)) duplicates++; else s.add(n);
    });
    client.on('error', () => { /* reconnects */ });
    client.once('connect', () => {
      client!.subscribe('soak/#', { qos: 1 }, () => send({ ev: 'subscribed' }));
    });
  } else if (m.ev === 'count') {
    // with limits (accepted per topic): how many of 0..limit-1 arrived
    const unique: Record<string, number> = {};
    for (const [t, s] of seen) {
      const lim = m.limits ? m.limits[t] : undefined;
      let n = 0;
      if (lim === undefined) n = s.size; else for (const x of s) if (x < lim) n++;
      unique[t] = n;
    }
    send({ ev: 'counts', unique, duplicates });
  } else if (m.ev === 'end') {
    if (client) client.end(true);
    setTimeout(() => process.exit(0), 300);
  }
});
send({ ev: 'ready' });
