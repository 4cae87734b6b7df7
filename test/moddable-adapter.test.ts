// The Moddable adapter (src/platform/moddable.ts) running inside XS against fakes of the engine
// modules it imports (test/helpers/moddable-fakes/): a full client session per scenario, on a
// manual clock. What the client wrote is decoded here with mqtt-packet, independently of our codec.
import test from 'ava';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import path from 'node:path';
import mqttPacket from 'mqtt-packet';
import { root as repoRoot } from '../scripts/build/paths.js';
import { startXs } from '../scripts/xs/worker.js';
import type { XsWorker } from '../scripts/xs/worker.js';
import type { ScenarioResult } from './helpers/moddable-fakes/driver.js';

const FAKES: Record<string, string> = {
  'embedded:io/socket/tcp': 'tcp.ts', timer: 'timer.ts', time: 'time.ts', net: 'net.ts', 'text/encoder': 'text-encoder.ts',
};

const fakeEngineModules: Plugin = {
  name: 'moddable-fakes',
  setup(b) {
    b.onResolve({ filter: /^(embedded:io\/socket\/tcp|timer|time|net|text\/encoder)$/ }, (args) =>
      ({ path: path.join(repoRoot, 'test', 'helpers', 'moddable-fakes', FAKES[args.path]) }));
  },
};

async function bundleDriver(): Promise<string> {
  const r = await build({
    stdin: {
      contents: "import { createModdablePlatform } from './src/platform/moddable.ts';\n" +
        "import { install } from './test/helpers/moddable-fakes/driver.ts';\ninstall(createModdablePlatform);\n",
      resolveDir: repoRoot, loader: 'ts', sourcefile: 'moddable-driver.ts',
    },
    absWorkingDir: repoRoot,
    bundle: true, write: false, format: 'iife', target: 'es2022', platform: 'neutral',
    plugins: [fakeEngineModules],
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } }, // as scripts/build/moddable.ts ships it
    logLevel: 'silent',
  });
  return r.outputFiles[0].text;
}

let xs: XsWorker | null = null;
test.before(async () => { // keepTextCodecs: the fake text/encoder module hands on xsnap's native class, as Moddable's is native
  xs = await startXs(await bundleDriver(), { name: 'moddable-adapter', timeoutMs: 20000, keepTextCodecs: true }); });
test.after.always(async () => { if (xs) await xs.close(); });

async function scenario(name: string): Promise<ScenarioResult> {
  const r = JSON.parse((await xs!.command('scenario', name)).reply) as ScenarioResult & { error?: string };
  if (r.error) throw new Error('XS scenario ' + name + ' failed: ' + r.error);
  return r;
}

interface Packet { cmd: string; topic?: string; payload?: Buffer; qos?: number; messageId?: number; clientId?: string; keepalive?: number; subscriptions?: { topic: string; qos: number }[] }
function decode(hex: string): Packet[] {
  const out: Packet[] = [];
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on('packet', (p) => out.push(p as unknown as Packet));
  parser.on('error', (e: Error) => { throw e; });
  parser.parse(Buffer.from(hex, 'hex'));
  return out;
}
const cmds = (hex: string) => decode(hex).map((p) => p.cmd);

test.serial('session: Net.resolve, CONNECT with the MAC as id, SUBSCRIBE, QoS 1 PUBACK, incoming PUBLISH, end()', async (t) => {
  const r = await scenario('session');
  t.is(r.notes.socketsDuringConnectCall, 0, 'no socket before the host name is resolved');
  t.is(r.notes.socketsBeforeResolveAnswered, 0);
  t.deepEqual(r.lookups, ['broker.local']);
  t.is(r.peers.length, 1);
  t.is(r.peers[0].address, '10.0.0.7');
  t.is(r.peers[0].port, 1884);
  t.is(r.clientId, 'mcu-a4d18cdbc020');
  const wire = decode(r.peers[0].wire);
  t.deepEqual(wire.map((p) => p.cmd), ['connect', 'subscribe', 'publish', 'puback', 'disconnect']);
  t.is(wire[0].clientId, 'mcu-a4d18cdbc020');
  t.is(wire[0].keepalive, 30);
  t.deepEqual(wire[1].subscriptions, [{ topic: 'a/#', qos: 1 }]);
  t.is(wire[2].topic, 'x/y');
  t.is(String(wire[2].payload), 'hello');
  t.is(wire[2].qos, 1);
  t.is(wire[2].messageId, r.notes.publishId as number);
  t.is(wire[3].messageId, 7, 'the incoming QoS 1 message is acknowledged');
  t.is(r.notes.publishResult, 'sent');
  t.false(r.notes.publishedBeforePuback);
  const ev = r.events.map((e) => e.replace(/^\d+ /, ''));
  t.deepEqual(ev, ['connect false', 'published ' + r.notes.publishId, 'handler a/b hi qos1', 'close']);
  t.is(r.peers[0].state, 'closed');
  t.is(r.writeThrows, 0);
  t.is(r.tasksLeft, 0, 'no timer left behind after end()');
});

test.serial('back-pressure: bytes beyond the writable budget wait and go out in order on onWritable', async (t) => {
  const r = await scenario('backpressure');
  t.is(r.notes.lookupsForIpLiteral, 0, 'an IP literal skips DNS');
  t.is(r.notes.first, 'sent');
  t.is(r.notes.second, 'sent');
  t.is(r.notes.bytesAfterBudget10, 10, 'exactly the budget is written');
  t.is(r.notes.bytesAfterBudget30, 40);
  const big = 2 + 2 + 3 + 60, second = 2 + 2 + 6 + 40;
  t.is(r.notes.bytesAfterBudget1000, big + second, 'the rest is flushed on the next onWritable');
  const wire = decode(r.peers[0].wire);
  t.deepEqual(wire.map((p) => p.cmd), ['connect', 'publish', 'publish', 'disconnect']);
  t.is(wire[1].topic, 'big');
  t.is(String(wire[1].payload), 'a'.repeat(60));
  t.is(wire[2].topic, 'second');
  t.is(String(wire[2].payload), 'b'.repeat(40));
  t.is(r.writeThrows, 0, 'write() is never given more than the budget');
});

test.serial('back-pressure: a backlog over pendingSize drops the link with a reason and reconnects', async (t) => {
  const r = await scenario('overflow');
  t.is(r.notes.publish, 'sent');
  const err = r.events.find((e) => e.includes(' error '));
  t.truthy(err);
  t.regex(err!, /CONNECTION_LOST .*backlog over 64 bytes/);
  t.true(r.events.some((e) => / close$/.test(e)));
  t.is(r.peers[0].state, 'closed');
  t.is(r.notes.socketsAfter999, 1);
  t.is(r.notes.socketsAfter1005, 2);
  t.is(r.writeThrows, 0);
});

test.serial('socket error: onError CONNECTION_LOST, socket closed, reconnect after the backoff', async (t) => {
  const r = await scenario('reconnect');
  const failedAt = r.notes.failedAt as number;
  const ev = r.events;
  const errIndex = ev.findIndex((e) => e.includes('error CONNECTION_LOST'));
  t.true(errIndex > 0, ev.join('\n'));
  t.regex(ev[errIndex], /socket error/);
  t.is(ev[errIndex + 1], failedAt + ' close');
  t.is(r.notes.stateAfterError, 'closed', 'the adapter closes the failed socket');
  t.is(r.notes.socketsBeforeBackoff, 1);
  t.is(r.notes.socketsAfterBackoff, 2);
  t.true(r.peers[1].openedAt - failedAt >= 1000);
  t.deepEqual(cmds(r.peers[1].wire), ['connect', 'disconnect']);
  t.is(ev.filter((e) => / connect false$/.test(e)).length, 2);
});

test.serial('end() with bytes still pending: the DISCONNECT is flushed before the socket closes', async (t) => {
  const r = await scenario('endFlushesPending');
  t.is(r.notes.publish, 'sent');
  t.deepEqual(cmds(r.peers[0].wire), ['connect', 'publish', 'disconnect'],
    'without the DISCONNECT the broker would publish the will');
  t.is(r.notes.stateBeforeDrain, 'open', 'the socket is kept while bytes wait');
  t.is(r.notes.stateAfterDrain, 'closed', 'and closed once they are out');
  t.true(r.events.some((e) => / close$/.test(e)));
  t.is(r.writeThrows, 0);
  t.is(r.tasksLeft, 0);
});

test.serial('end() when the network never drains: the socket is closed after the linger time', async (t) => {
  const r = await scenario('endLingerTimeout');
  t.is(r.notes.stateAt1900, 'open');
  t.is(r.notes.stateAt2100, 'closed');
  t.true(r.peers[0].closedAt - (r.notes.endAt as number) <= 2000);
  t.is(r.tasksLeft, 0);
});

test.serial('DNS failure: CONNECTION_LOST naming the host, and the next attempt resolves again', async (t) => {
  const r = await scenario('dnsFailure');
  t.is(r.peers.length, 0);
  t.regex(r.events.find((e) => e.includes('error')) ?? '', /CONNECTION_LOST .*cannot resolve nowhere\.local/);
  t.deepEqual(r.lookups, ['nowhere.local', 'nowhere.local']);
});

test.serial('no MAC address (Linux build without network): a client id from the wall clock, new on every run, no exception', async (t) => {
  // XS's Math.random is unseeded on lin (the same value every run), so it cannot tell two
  // simulators apart; the time they were started can.
  const r = await scenario('noMac');
  t.is(r.clientId, 'mcu-sim' + (r.notes.wallClock as number).toString(36));
  t.not(r.notes.laterClientId, r.clientId, 'a simulator started a millisecond later has another id');
});

test.serial('Time.ticks wrapping (a 32-bit counter, after ~24.8 days): keepalive goes on, no false timeout', async (t) => {
  const r = await scenario('ticksWrap');
  const pings = r.notes.pings as number[];
  // 60 s with keepalive 10 s, the wrap 5 s in: a PINGREQ about every 10 s, each answered
  t.true(pings.length >= 5 && pings.length <= 7, 'PINGREQs at ' + pings.join(', ') + ' ms');
  for (let i = 1; i < pings.length; i++) t.true(pings[i] - pings[i - 1] <= 10600, 'gap before ' + pings[i]);
  t.is(r.notes.connected, true);
  t.deepEqual(r.events.filter((e) => e.indexOf(' error ') >= 0), []);
});

test.serial('no closure per platform or connection: shared methods and socket callbacks (socket.target), bounded views', async (t) => {
  // Measured on Moddable's XS (bench/moddable.ts): closures made at run time by the preloaded
  // module cost ~350 B each; the platform's five and the socket's three made per connection were
  // 2.5 KB + 1 KB of every client's live heap.
  const r = await scenario('sharedFunctions');
  t.deepEqual(r.notes.ownFunctions, [], 'the platform\'s functions are on its prototype');
  t.true(r.notes.methodsShared as boolean);
  t.deepEqual(r.notes.targets, ['object', 'object', true], 'each socket carries its own transport as target');
  t.true(r.notes.callbacksShared as boolean, 'the same callback functions for every socket');
  const handled = r.events.filter((e) => / handler in /.test(e)).map((e) => e.replace(/^\d+ handler in /, ''));
  t.deepEqual(handled, ['', 'x', 'xx', 'xxx', 'xxxx', 'y'.repeat(34)], 'a 40-byte packet read 16 bytes at a time arrives whole');
  t.is(r.notes.readViewsKept, 4);
  t.is(r.notes.writeViewsKept, 4);
  t.deepEqual(cmds(r.peers[0].wire).slice(-6), ['publish', 'publish', 'publish', 'publish', 'publish', 'publish']);
  t.is(r.writeThrows, 0);
});

test.serial('mqtts through the TLS socket class passed as options.tls, which calls back without socket.target', async (t) => {
  const r = await scenario('tls');
  t.is(r.notes.port, 8883);
  t.is(r.notes.publish, 'sent');
  t.deepEqual(cmds(r.peers[0].wire), ['connect', 'publish', 'disconnect']);
  t.deepEqual(r.events.map((e) => e.replace(/^\d+ /, '')), ['connect false', 'published 1', 'close']);
  t.is(r.writeThrows, 0);
});
