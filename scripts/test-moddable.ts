// `npm run test:moddable`: what only the real Moddable SDK can tell, when the machine has one
// (scripts/moddable-sdk.ts; without it, one line says why and nothing fails).
//   1. mcconfig links our modules with no xsl warning: -p lin always; -p esp and -p esp32 only
//      when their toolchains are set up (we never stand in for them).
//   2. The temperature app runs in the desktop simulator against a mosquitto of its own: readings
//      arrive on `temp`, `online` is retained on `temp/status`, and a second simulator started
//      after the first gets another client id, so neither throws the other off the broker.
//   3. It also runs with no more XS stack than the ESP8266 build gives it (creation.stack, in
//      slots: the same count on every platform). Its start-up is deeper than the SDK's default
//      of 256 slots for esp; with too little, XS aborts with "JavaScript stack overflow".
// Prints `moddable: ok|not ok - …` per check, then a summary; exits 1 on any failure.
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { buildModdable } from './build/moddable.js';
import { root } from './build/paths.js';
import { espToolchain, findSdk, mcconfig, runSim, type Sdk, type Sim } from './moddable-sdk.js';
import { startMosquitto, type MosquittoBroker } from '../test/helpers/brokers.js';

const MANIFEST = path.join(root, 'manifests', 'temp-sensor.json');
const OUT = path.join(root, '.tmp', 'moddable-test');
const OURS = /^### warning: (mcu-mqtt|mcu-mqtt-temp-sensor|main):/;
const INTERVAL = 500; // ms between readings in the simulator run

let passed = 0, failed = 0;
function check(ok: boolean, what: string, detail?: string): void {
  if (ok) passed++; else failed++;
  console.log('moddable: ' + (ok ? 'ok' : 'not ok') + ' - ' + what + (!ok && detail ? '\n  ' + detail.split('\n').join('\n  ') : ''));
}
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await delay(50)) if (cond()) return true;
  return cond();
}

function linkCheck(sdk: Sdk, platform: string): void {
  const b = mcconfig(sdk, MANIFEST, { platform: platform, outDir: OUT, target: platform === 'lin' ? undefined : 'build', config: { broker: 'mqtt://127.0.0.1:1883' } });
  const ours = b.warnings.filter((w) => OURS.test(w));
  check(b.ok, 'mcconfig -m -p ' + platform + ' manifests/temp-sensor.json builds', b.output.trim().split('\n').slice(-8).join('\n'));
  check(b.warnings.length > 0 || b.output.indexOf('instances,') >= 0, 'xsl ran (' + platform + ')', b.output.trim().split('\n').slice(-8).join('\n'));
  check(ours.length === 0, 'xsl: no warning from our modules (' + platform + ')', ours.join('\n'));
  const others = b.warnings.length - ours.length;
  if (others) console.log('moddable: (' + platform + ': ' + others + ' xsl warnings from the SDK\'s own modules, e.g. `' + b.warnings.filter((w) => !OURS.test(w))[0] + '`)');
}

interface Reading { topic: string; payload: string; retain: boolean }

async function simulatorCheck(sdk: Sdk, broker: MosquittoBroker): Promise<void> {
  const b = mcconfig(sdk, MANIFEST, { platform: 'lin', outDir: OUT, config: { broker: broker.url, interval: INTERVAL } });
  if (!b.ok) { check(false, 'the lin app builds with the broker set', b.output.trim().split('\n').slice(-8).join('\n')); return; }
  const seen: Reading[] = [];
  const sub = await mqtt.connectAsync(broker.url, { clientId: 'test-moddable-sub', reconnectPeriod: 0 });
  sub.on('message', (topic, payload, packet) => { seen.push({ topic: topic, payload: payload.toString(), retain: packet.retain }); });
  await sub.subscribeAsync(['temp', 'temp/status']);
  const sims: Sim[] = [];
  const ids = (): string[] => {
    const out: string[] = [], re = /New client connected from \S+ as (temp-\S+)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(broker.log())) !== null) out.push(m[1]);
    return out;
  };
  const readings = (): number => seen.filter((r) => r.topic === 'temp' && /^-?\d+(\.\d)?$/.test(r.payload)).length;
  try {
    sims.push(runSim(sdk, b.so, () => {}));
    const up = await until(() => readings() >= 2 && seen.some((r) => r.topic === 'temp/status' && r.payload === 'online'), 20000);
    check(up, 'simulator 1: readings arrive on `temp` and `online` on `temp/status`',
      'seen: ' + JSON.stringify(seen.slice(0, 6)) + '\nsimulator output: ' + sims[0].output().slice(-600) + '\nbroker: ' + broker.log().slice(-600));
    const late = await mqtt.connectAsync(broker.url, { clientId: 'test-moddable-late', reconnectPeriod: 0 });
    const retained: Reading[] = [];
    late.on('message', (topic, payload, packet) => { retained.push({ topic: topic, payload: payload.toString(), retain: packet.retain }); });
    await late.subscribeAsync('temp/status');
    await until(() => retained.length > 0, 3000);
    await late.endAsync();
    check(retained.length > 0 && retained[0].payload === 'online' && retained[0].retain, '`online` is retained on `temp/status`', JSON.stringify(retained));

    await delay(1100); // the next simulator starts later, as a person would start it
    sims.push(runSim(sdk, b.so, () => {}));
    const two = await until(() => ids().length >= 2, 20000);
    const got = ids();
    check(two && got[0] !== got[1], 'two simulators started one after the other get different client ids (' + got.join(', ') + ')', broker.log().slice(-800));
    const before = readings();
    await delay(6 * INTERVAL);
    // a simulator thrown off reconnects (and throws the other off in turn): more connections
    check(ids().length === 2, 'neither simulator throws the other off the broker (' + ids().length + ' connections)', broker.log().slice(-800));
    check(readings() - before >= 6, 'both keep publishing (' + (readings() - before) + ' readings in ' + (6 * INTERVAL) + ' ms)');
  } finally {
    for (const s of sims) await s.stop();
    await sub.endAsync();
  }
}

// creation.stack of the esp build: ours (manifests/temp-sensor.json), else the SDK's device default.
function espStack(sdk: Sdk): number {
  const ours = JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as { platforms?: { esp?: { creation?: { stack?: number } } } };
  const mine = ours.platforms && ours.platforms.esp && ours.platforms.esp.creation && ours.platforms.esp.creation.stack;
  if (mine) return mine;
  const dev = JSON.parse(fs.readFileSync(path.join(sdk.moddable, 'build', 'devices', 'esp', 'manifest.json'), 'utf8')) as { creation?: { stack?: number } };
  return dev.creation && dev.creation.stack ? dev.creation.stack : 0;
}

async function stackCheck(sdk: Sdk, broker: MosquittoBroker): Promise<void> {
  const stack = espStack(sdk);
  if (!stack) { console.log('moddable: skipped the stack check - no creation.stack for esp found'); return; }
  // the same app, through a manifest of its own that only sets the stack
  const dir = path.join(OUT, 'esp-stack');
  fs.mkdirSync(dir, { recursive: true });
  const manifest = path.join(dir, 'manifest.json');
  fs.writeFileSync(manifest, JSON.stringify({ include: [MANIFEST], creation: { stack: stack } }, null, '\t'));
  const b = mcconfig(sdk, manifest, { platform: 'lin', outDir: OUT, config: { broker: broker.url, interval: INTERVAL, topic: 'stack' } });
  if (!b.ok) { check(false, 'the app builds with the esp stack', b.output.trim().split('\n').slice(-8).join('\n')); return; }
  let readings = 0;
  const sub = await mqtt.connectAsync(broker.url, { clientId: 'test-moddable-stack', reconnectPeriod: 0 });
  sub.on('message', () => { readings++; });
  await sub.subscribeAsync('stack');
  const sim = runSim(sdk, b.so, () => {});
  try {
    const ok = await until(() => readings >= 2, 15000);
    check(ok, 'the app runs with the XS stack of the esp build (' + stack + ' slots)', 'simulator output: ' + sim.output().slice(-400));
  } finally {
    await sim.stop();
    await sub.endAsync();
  }
}

async function main(): Promise<void> {
  const { sdk, why } = findSdk();
  if (!sdk) { console.log('moddable: skipped - ' + why); return; }
  await buildModdable(() => {});
  linkCheck(sdk, 'lin');
  for (const p of ['esp', 'esp32'] as const) {
    const tc = espToolchain(p);
    if (tc.ok) linkCheck(sdk, p);
    else console.log('moddable: skipped -p ' + p + ' - ' + tc.why);
  }
  const broker = await startMosquitto();
  try {
    await simulatorCheck(sdk, broker);
    await stackCheck(sdk, broker);
  } finally { await broker.close(); }
  console.log('moddable: ' + passed + ' passed, ' + failed + ' failed');
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

main().catch((e: unknown) => {
  console.log('moddable: not ok - ' + (e instanceof Error ? e.stack || e.message : String(e)));
  process.exitCode = 1;
});
