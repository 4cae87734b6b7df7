// Client-only throughput: each library publishes into a fake broker (bench/fake-broker-child.ts,
// its own process) that answers CONNECT and, for QoS 1, each PUBLISH with PUBACK, and otherwise
// only counts. No real broker and no subscriber cap the rate, so this measures the client.
import { Helper } from './child-ipc.js';
import { LITE, liteFactory } from './lite.js';
import { clientFactory } from './ours.js';
import { lite, mosquittoPub, mqttjs, now, ours, PACKET0, RUN_TIMEOUT, type Side } from './sides.js';

export const CO_N0 = 200000, CO_N1 = 50000;

export interface Runs { [side: string]: number[] }
export interface ClientOnly {
  rate0: Runs; rate1: Runs;          // msg/s per run
  cpu0: Runs; cpu1: Runs;            // µs of the bench (client) process per message
  srv0: Runs; srv1: Runs;            // µs of the fake broker per message
}

type Make = Awaited<ReturnType<typeof clientFactory>>;

/** One timed run with a fresh connection; the clock stops when the fake broker has counted
 * everything (QoS 0) or at the last PUBACK (QoS 1, which implies the same). */
async function once(fb: Helper, port: number, who: string, open: Record<string, () => Promise<Side>>, qos: 0 | 1, n: number, out: ClientOnly): Promise<void> {
  fb.send({ cmd: 'arm', mode: qos === 0 ? 'count' : 'ack', publishes: n, bytes: n * PACKET0 });
  await fb.next('armed', 5000);
  const side = open[who] ? await open[who]() : null;
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
  const makeLite = await liteFactory();
  const fb = Helper.start('fake-broker-child.js');
  try {
    const port = (await fb.next('port', 10000)).port as number;
    const open: Record<string, () => Promise<Side>> = { ours: () => ours(port, make), 'MQTT.js': () => mqttjs(port), [LITE]: () => lite(port, makeLite) };
    const js = Object.keys(open);
    const warm: ClientOnly = { rate0: {}, rate1: {}, cpu0: {}, cpu1: {}, srv0: {}, srv1: {} };
    for (const who of js) { await once(fb, port, who, open, 0, 20000, warm); await once(fb, port, who, open, 1, 5000, warm); }
    for (let rep = 0; rep < reps; rep++) {
      // rotate who goes first, so drift on the shared machine does not favour one side
      const order = js.slice(rep % js.length).concat(js.slice(0, rep % js.length));
      for (const who of order) await once(fb, port, who, open, 0, CO_N0, out);
      await once(fb, port, 'mosquitto_pub', open, 0, CO_N0, out);
      for (const who of order) await once(fb, port, who, open, 1, CO_N1, out);
      await once(fb, port, 'mosquitto_pub', open, 1, CO_N1, out);
    }
  } finally {
    await fb.stop();
  }
  return out;
}
