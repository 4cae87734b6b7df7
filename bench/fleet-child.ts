// Child process of the fleet benchmark: connects N idle clients of one library to a broker and
// prints what they cost. Run with --expose-gc so the numbers are live memory, not garbage.
//   node --expose-gc build/bench/fleet-child.js <ours|ours-esp8266|lite|mqttjs|raw> <N> <port>
import mqtt from 'mqtt';
import net from 'node:net';
import { ESP8266_BUFFERS } from '../boards/board.js';
import { connectLite, liteFactory } from './lite.js';
import { clientFactory, connectOurs } from './ours.js';

const BATCH = 50;
const gc = (globalThis as unknown as { gc?: () => void }).gc;

function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 300)).then(() => { if (gc) { gc(); gc(); } });
}

function snapshot(): { heapUsed: number; external: number; arrayBuffers: number; rss: number } {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

async function main(): Promise<void> {
  const lib = process.argv[2], n = Number(process.argv[3]), port = Number(process.argv[4]);
  if (!gc) throw new Error('run with --expose-gc');
  // Load everything first, so the baseline includes the library code and not only the clients.
  const ours = lib === 'ours' || lib === 'ours-esp8266';
  const make = ours ? await clientFactory() : null;
  const makeLite = lib === 'lite' ? await liteFactory() : null;
  // the fixed buffers are most of our per-client memory, so the board's sizes are measured too
  const sizes = lib === 'ours-esp8266' ? ESP8266_BUFFERS : {};
  await settle();
  const before = snapshot();
  const keep: unknown[] = [];
  for (let i = 0; i < n; i += BATCH) {
    const wave: Promise<void>[] = [];
    for (let k = i; k < Math.min(n, i + BATCH); k++) {
      const id = 'fleet-' + lib + '-' + process.pid + '-' + k;
      if (lib === 'raw') {
        // The floor: a bare socket that sends CONNECT and waits for CONNACK, no MQTT library.
        const idb = Buffer.from(id);
        const s = net.connect({ host: '127.0.0.1', port: port, noDelay: true });
        keep.push(s);
        wave.push(new Promise<void>((resolve, reject) => {
          s.once('connect', () => s.write(Buffer.concat([Buffer.from([0x10, 12 + idb.length, 0, 4, 77, 81, 84, 84, 4, 2, 2, 88, 0, idb.length]), idb])));
          s.once('data', () => resolve());
          s.once('error', reject);
        }));
      } else if (makeLite) {
        const c = makeLite({ url: 'mqtt://127.0.0.1:' + port, clientId: id, keepalive: 600 });
        keep.push(c);
        wave.push(connectLite(c, 20000));
      } else if (make) {
        const c = make(Object.assign({ host: '127.0.0.1', port: port, clientId: id, keepalive: 600 }, sizes));
        keep.push(c);
        wave.push(connectOurs(c, 20000));
      } else {
        const c = mqtt.connect({ host: '127.0.0.1', port: port, clientId: id, keepalive: 600, reconnectPeriod: 0 });
        keep.push(c);
        wave.push(new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('MQTT.js client did not connect')), 20000);
          c.once('connect', () => { clearTimeout(t); resolve(); });
          c.once('error', (e) => { clearTimeout(t); reject(e); });
        }));
      }
    }
    await Promise.all(wave);
  }
  await new Promise((r) => setTimeout(r, 1000));   // idle: nothing in flight
  await settle();
  const after = snapshot();
  process.stdout.write(JSON.stringify({ lib: lib, n: n, before: before, after: after, clients: keep.length }) + '\n');
  process.exit(0);
}

main().catch((e) => { process.stdout.write(JSON.stringify({ error: String((e as Error).stack || e) }) + '\n'); process.exit(0); });
