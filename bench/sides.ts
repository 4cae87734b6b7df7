// The Node clients under test, behind one interface, as the throughput runs drive them:
// QoS 0 in batches of BATCH per event-loop turn, QoS 1 with at most WINDOW unacknowledged.
import { spawn } from 'node:child_process';
import mqtt from 'mqtt';
import { connectLite, LITE, type LiteMake } from './lite.js';
import { clientFactory, connectOurs, type Client } from './ours.js';

export const WINDOW = 20, BATCH = 1000, RUN_TIMEOUT = 60000;
export const TOPIC = 'temp';
export const PAYLOAD = Buffer.from('0123456789abcdef');      // 16 bytes
export const PACKET0 = 2 + 2 + TOPIC.length + PAYLOAD.length;  // a QoS 0 PUBLISH on the wire: 24 bytes

export const now = (): number => Number(process.hrtime.bigint()) / 1e6;
export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** mosquitto_pub -l (the C client): one message per stdin line; resolves when the process has exited. */
export function mosquittoPub(port: number, n: number, qos: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', TOPIC, '-q', String(qos), '-l', '-i', 'bench-c-' + process.pid], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d) => { err += d; });
    const t = setTimeout(() => { p.kill('SIGKILL'); reject(new Error('mosquitto_pub timed out ' + err)); }, RUN_TIMEOUT);
    p.on('exit', (code) => { clearTimeout(t); if (code === 0) resolve(); else reject(new Error('mosquitto_pub exit ' + code + ' ' + err)); });
    p.stdin!.end(Buffer.from((PAYLOAD.toString() + '\n').repeat(n)));
  });
}

export interface Side {
  name: string;
  qos0(n: number): Promise<void>;           // resolves when all were handed to the socket
  qos1(n: number): Promise<void>;           // resolves at the last PUBACK
  close(): Promise<void>;
}

export async function ours(port: number, make: Awaited<ReturnType<typeof clientFactory>>): Promise<Side> {
  const c: Client = make({ host: '127.0.0.1', port: port, clientId: 'bench-ours-' + process.pid, keepalive: 60,
    maxInflight: WINDOW, outboxSize: 8192 });
  await connectOurs(c, 5000);
  let failed = '';
  c.onError = (e) => { failed = String(e); };
  return {
    name: 'ours',
    async qos0(n) {
      let i = 0;
      const deadline = Date.now() + RUN_TIMEOUT;
      while (i < n) {
        const stop = Math.min(n, i + BATCH);
        while (i < stop) {
          const r = c.publish(TOPIC, PAYLOAD, 0);
          if (r !== 'sent') break;      // transmit buffer full: let the socket drain
          i++;
        }
        await tick();
        if (Date.now() > deadline) throw new Error('ours qos0: only ' + i + ' of ' + n + ' published ' + failed);
      }
    },
    qos1(n) {
      return new Promise((resolve, reject) => {
        let sent = 0, acked = 0;
        const t = setTimeout(() => reject(new Error('ours qos1: ' + acked + ' of ' + n + ' acked ' + failed)), RUN_TIMEOUT);
        const one = (): void => {
          const r = c.publish(TOPIC, PAYLOAD, 1);
          if (r !== 'sent' && r !== 'queued') { clearTimeout(t); reject(new Error('ours qos1 publish: ' + r)); return; }
          sent++;
        };
        c.onPublished = () => {
          acked++;
          if (sent < n) one();
          if (acked === n) { clearTimeout(t); resolve(); }
        };
        while (sent < Math.min(WINDOW, n)) one();
      });
    },
    async close() { c.end(); await tick(); },
  };
}

/** The lite client, driven like ours. It writes each packet as it is made (no transmit buffer to
 * fill) and has no per-PUBACK callback: in a QoS 1 run only PUBACKs (4 bytes each) come back,
 * so the bytes received say how many were acknowledged. */
export async function lite(port: number, make: LiteMake): Promise<Side> {
  const payload = PAYLOAD.toString('latin1');
  let rx = 0, onAck = (): void => undefined;
  const c = make({ url: 'mqtt://127.0.0.1:' + port, clientId: 'bench-lite-' + process.pid, keepalive: 60,
    maxInflight: WINDOW, outboxSize: 8192 }, (d) => { rx += d.length; onAck(); });
  await connectLite(c, 5000);
  let failed = '';
  c.onError = (e) => { failed = String(e); };
  return {
    name: LITE,
    async qos0(n) {
      for (let i = 0; i < n;) {
        const stop = Math.min(n, i + BATCH);
        for (; i < stop; i++) {
          const r = c.publish(TOPIC, payload, 0);
          if (r !== 'sent') throw new Error('lite qos0 publish: ' + r + ' ' + failed);
        }
        await tick();
      }
    },
    qos1(n) {
      return new Promise((resolve, reject) => {
        let sent = 0;
        rx = 0;
        const t = setTimeout(() => reject(new Error('lite qos1: ' + (rx >> 2) + ' of ' + n + ' acked ' + failed)), RUN_TIMEOUT);
        const fill = (): void => {
          while (sent < n && sent - (rx >> 2) < WINDOW) {
            const r = c.publish(TOPIC, payload, 1);
            if (r !== 'sent' && r !== 'queued') { clearTimeout(t); reject(new Error('lite qos1 publish: ' + r)); return; }
            sent++;
          }
          if (rx >> 2 >= n) { clearTimeout(t); onAck = () => undefined; resolve(); }
        };
        onAck = fill;
        fill();
      });
    },
    async close() { c.end(); await tick(); },
  };
}

export async function mqttjs(port: number): Promise<Side> {
  const c = mqtt.connect({ host: '127.0.0.1', port: port, clientId: 'bench-mqttjs-' + process.pid, keepalive: 60, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => { c.once('connect', () => resolve()); c.once('error', reject); });
  return {
    name: 'MQTT.js',
    async qos0(n) {
      for (let i = 0; i < n;) {
        const stop = Math.min(n, i + BATCH);
        for (; i < stop; i++) c.publish(TOPIC, PAYLOAD, { qos: 0 });
        await tick();
      }
    },
    qos1(n) {
      return new Promise((resolve, reject) => {
        let sent = 0, acked = 0;
        const t = setTimeout(() => reject(new Error('MQTT.js qos1: ' + acked + ' of ' + n + ' acked')), RUN_TIMEOUT);
        const one = (): void => {
          sent++;
          c.publish(TOPIC, PAYLOAD, { qos: 1 }, (err) => {
            if (err) { clearTimeout(t); reject(err); return; }
            acked++;
            if (sent < n) one();
            if (acked === n) { clearTimeout(t); resolve(); }
          });
        };
        while (sent < Math.min(WINDOW, n)) one();
      });
    },
    close() { return new Promise<void>((r) => c.end(false, {}, () => r())); },
  };
}
