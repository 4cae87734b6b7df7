// Client-only throughput: each library publishes into a fake broker (bench/fake-broker-child.ts,
// its own process) that answers CONNECT and, for QoS 1, each PUBLISH with PUBACK, and otherwise
// only counts. No real broker and no subscriber cap the rate, so this measures the client.
import { spawn } from 'node:child_process';
import { Helper } from './child-ipc.js';
import { clientFactory } from './ours.js';
import { mqttjs, now, ours, PAYLOAD, RUN_TIMEOUT, TOPIC, type Side } from './sides.js';

export const CO_N0 = 200000, CO_N1 = 50000;
const PACKET0 = 2 + 2 + TOPIC.length + PAYLOAD.length;   // QoS 0 PUBLISH on the wire: 24 bytes

export interface Runs { [side: string]: number[] }
export interface ClientOnly {
  rate0: Runs; rate1: Runs;          // msg/s per run
  cpu0: Runs; cpu1: Runs;            // µs of the bench (client) process per message
  srv0: Runs; srv1: Runs;            // µs of the fake broker per message
}

/** mosquitto_pub -l into the fake broker: the C client's own rate, process start included. */
function mosquittoPub(port: number, n: number, qos: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', TOPIC, '-q', String(qos), '-l', '-i', 'bench-c-' + process.pid], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d) => { err += d; });
    const t = setTimeout(() => { p.kill('SIGKILL'); reject(new Error('mosquitto_pub timed out ' + err)); }, RUN_TIMEOUT);
    p.on('exit', (code) => { clearTimeout(t); if (code === 0) resolve(); else reject(new Error('mosquitto_pub exit ' + code + ' ' + err)); });
    p.stdin!.end(Buffer.from((PAYLOAD.toString() + '\n').repeat(n)));
  });
}

type Make = Awaited<ReturnType<typeof clientFactory>>;

/** One timed run with a fresh connection; the clock stops when the fake broker has counted
 * everything (QoS 0) or at the last PUBACK (QoS 1, which implies the same). */
async function once(fb: Helper, port: number, who: string, make: Make, qos: 0 | 1, n: number, out: ClientOnly): Promise<void> {
  fb.send({ cmd: 'arm', mode: qos === 0 ? 'count' : 'ack', publishes: n, bytes: n * PACKET0 });
  await fb.next('armed', 5000);
  let side: Side | null = null;
  if (who === 'ours') side = await ours(port, make);
  else if (who === 'MQTT.js') side = await mqttjs(port);
  const done = fb.next('done', RUN_TIMEOUT);
  done.catch(() => undefined);
  const c0 = process.cpuUsage();
  const t0 = now();
  if (side) await (qos === 0 ? side.qos0(n) : side.qos1(n));
  else await mosquittoPub(port, n, qos);
  const d = await done;
  const t1 = now();
  const c = process.cpuUsage(c0);
  if (side) await side.close();
  const rate = qos === 0 ? out.rate0 : out.rate1, cpu = qos === 0 ? out.cpu0 : out.cpu1, srv = qos === 0 ? out.srv0 : out.srv1;
  (rate[who] = rate[who] || []).push(n / ((t1 - t0) / 1000));
  // for mosquitto_pub the bench process only waits, so its CPU says nothing about that client
  (cpu[who] = cpu[who] || []).push(side ? (c.user + c.system) / n : NaN);
  (srv[who] = srv[who] || []).push((d.cpuUs as number) / n);
}

export async function clientOnly(make: Make, reps: number): Promise<ClientOnly> {
  const out: ClientOnly = { rate0: {}, rate1: {}, cpu0: {}, cpu1: {}, srv0: {}, srv1: {} };
  const fb = Helper.start('fake-broker-child.js');
  try {
    const port = (await fb.next('port', 10000)).port as number;
    const warm: ClientOnly = { rate0: {}, rate1: {}, cpu0: {}, cpu1: {}, srv0: {}, srv1: {} };
    for (const who of ['ours', 'MQTT.js']) { await once(fb, port, who, make, 0, 20000, warm); await once(fb, port, who, make, 1, 5000, warm); }
    for (let rep = 0; rep < reps; rep++) {
      // alternate who goes first, so drift on the shared machine does not favour one side
      const order = rep % 2 ? ['MQTT.js', 'ours'] : ['ours', 'MQTT.js'];
      for (const who of order) await once(fb, port, who, make, 0, CO_N0, out);
      await once(fb, port, 'mosquitto_pub', make, 0, CO_N0, out);
      for (const who of order) await once(fb, port, who, make, 1, CO_N1, out);
      await once(fb, port, 'mosquitto_pub', make, 1, CO_N1, out);
    }
  } finally {
    await fb.stop();
  }
  return out;
}
