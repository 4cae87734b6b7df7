// The four brokers of the compatibility matrix, each started by the test on free 127.0.0.1 ports
// with a generated config in a temp dir, behind one interface: a listener that takes anonymous
// clients, one that knows user `dev` (password `s3cret`), and restart() — SIGKILL and start
// again on the same ports, with whatever the broker persists kept. The machine's own services
// (mosquitto on 1883, RabbitMQ on 5672, NATS on 4222) are never touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Aedes } from 'aedes';
import * as aedesPersistence from 'aedes-persistence';
import mqttPacket from 'mqtt-packet';
import { freePort, startMosquitto } from './brokers.js';
import { findBinary } from './netns.js';
import { delay } from './wait.js';

export const USER = 'dev', PASSWORD = 's3cret';

export interface MatrixBroker {
  name: string;
  /** anonymous clients welcome */
  url: string;
  /** a listener where `dev`/`s3cret` connect (and a wrong password is refused) */
  authUrl(user: string, password: string): string;
  /** the port of `url`, for a proxy in front of it */
  port: number;
  /** crash (SIGKILL or, in-process, every socket destroyed), stay down downMs, start again on the same ports */
  restart(downMs: number): Promise<void>;
  close(): Promise<void>;
  log(): string;
}

export interface BrokerKind {
  name: string;
  /** why this broker cannot run here (one line), or null */
  unavailable(): string | null;
  start(): Promise<MatrixBroker>;
  /** what is known about how it persists across restart(), for the table */
  persistence: string;
  version(): string;
}

function firstMatch(cmd: string, args: string[], re: RegExp): string {
  try {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
    const m = re.exec((r.stdout || '') + (r.stderr || ''));
    return m ? m[1] : '?';
  } catch {
    return '?';
  }
}

/**
 * A broker run as a child process, started now (and cleaned up if that fails); restart() kills it
 * (SIGKILL), waits and starts it again on the same ports.
 */
async function childBroker(name: string, mqttPort: number, start: () => Promise<void>, kill: () => Promise<void>,
  close: () => Promise<void>, log: () => string): Promise<MatrixBroker> {
  try {
    await start();
  } catch (e) {
    await close();
    throw e;
  }
  return {
    name, url: 'mqtt://127.0.0.1:' + mqttPort, port: mqttPort,
    authUrl: (u, p) => 'mqtt://' + u + ':' + p + '@127.0.0.1:' + mqttPort,
    async restart(downMs) { await kill(); await delay(downMs); await start(); },
    close,
    log,
  };
}

/** Resolves once the port answers an MQTT CONNECT with CONNACK 0 (a listening port is not enough for RabbitMQ). */
export async function mqttReady(port: number, ms: number, alive: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      const p = mqttPacket.parser({ protocolVersion: 4 });
      const done = (v: boolean) => { s.destroy(); resolve(v); };
      const timer = setTimeout(() => done(false), 2000);
      p.on('packet', (pk: any) => { clearTimeout(timer); if (pk.cmd === 'connack' && pk.returnCode === 0) s.write(mqttPacket.generate({ cmd: 'disconnect' })); done(pk.cmd === 'connack' && pk.returnCode === 0); });
      s.on('data', (d) => p.parse(d));
      s.on('connect', () => s.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'ready-probe-' + process.pid, keepalive: 10 } as any)));
      s.on('error', () => { clearTimeout(timer); done(false); });
    });
    if (ok) return;
    if (!alive()) throw new Error(what + ' exited');
    if (Date.now() > deadline) throw new Error(what + ' did not answer CONNECT within ' + ms + ' ms');
    await delay(100);
  }
}

// A child process in its own process group, so a SIGKILL reaches the whole broker (RabbitMQ's
// start script runs the Erlang VM as a child).
class Child {
  proc: ChildProcess | null = null;
  out = '';
  private exited: Promise<void> = Promise.resolve();
  constructor(readonly cmd: string, readonly args: string[], readonly env: NodeJS.ProcessEnv) {}
  start(): void {
    const c = spawn(this.cmd, this.args, { env: this.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = c;
    this.exited = new Promise((r) => c.once('exit', () => { if (this.proc === c) this.proc = null; r(); }));
    c.stdout!.on('data', (d) => { this.out += d; });
    c.stderr!.on('data', (d) => { this.out += d; });
  }
  get alive(): boolean { return this.proc !== null; }
  async kill(): Promise<void> {
    const c = this.proc;
    if (!c || c.pid === undefined) return;
    try { process.kill(-c.pid, 'SIGKILL'); } catch { /* already gone */ }
    await Promise.race([this.exited, delay(5000)]);
  }
}

// ---- aedes, in this process ----------------------------------------------------------------

async function startAedesMatrix(): Promise<MatrixBroker> {
  // One persistence for every incarnation: a restart models aedes deployed with a persistent
  // store (aedes-persistence-redis or -mongodb), which keeps sessions and queued messages.
  // a CommonJS module whose types claim an ES default export
  const persistence = (aedesPersistence as unknown as { default: () => unknown }).default();
  let port = 0;
  let broker: Aedes, server: net.Server;
  let sockets = new Set<net.Socket>();
  async function start(): Promise<void> {
    broker = await Aedes.createBroker({ persistence: persistence as any });
    broker.authenticate = (client, username, password, done) => {
      if (username === undefined) return done(null, true);
      if (username === USER && password !== undefined && password.toString() === PASSWORD) return done(null, true);
      const e = Object.assign(new Error('bad user name or password'), { returnCode: 4 });
      done(e as any, false);
    };
    const mine = sockets = new Set<net.Socket>();
    server = net.createServer((s) => {
      mine.add(s);
      s.on('close', () => mine.delete(s));
      s.on('error', () => undefined);
      broker.handle(s);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.address() as net.AddressInfo).port;
  }
  async function stop(): Promise<void> {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => broker.close(() => r()));
  }
  await start();
  const url = 'mqtt://127.0.0.1:' + port;
  return {
    name: 'aedes', url, port,
    authUrl: (u, p) => 'mqtt://' + u + ':' + p + '@127.0.0.1:' + port,
    async restart(downMs) { await stop(); await delay(downMs); await start(); },
    close: stop,
    log: () => '',
  };
}

// ---- mosquitto: the system binary, one persistent anonymous instance and one with passwords ----

async function startMosquittoMatrix(): Promise<MatrixBroker> {
  const anon = await startMosquitto({ persistence: true });
  const auth = await startMosquitto({ passwords: { [USER]: PASSWORD } });
  return {
    name: 'mosquitto', url: anon.url, port: anon.port,
    authUrl: (u, p) => 'mqtt://' + u + ':' + p + '@127.0.0.1:' + auth.port,
    async restart(downMs) { await anon.stop(); await delay(downMs); await anon.start(); },
    async close() { await anon.close(); await auth.close(); },
    log: () => anon.log() + auth.log(),
  };
}

// ---- RabbitMQ 3.x with rabbitmq_mqtt: its own node name, ports, mnesia, logs, cookie, epmd ----

const RABBIT_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

function rabbitUnavailable(): string | null {
  if (!existsSync(RABBIT_SERVER)) return 'rabbitmq-server not installed';
  const lib = '/usr/lib/rabbitmq/lib';
  const has = existsSync(lib) && readdirSync(lib).some((d) => readdirSync(join(lib, d, 'plugins'), { withFileTypes: true })
    .some((e) => e.name.startsWith('rabbitmq_mqtt-')));
  return has ? null : 'rabbitmq_mqtt plugin not installed';
}

/** rabbit_password_hashing_sha256: base64(salt ‖ sha256(salt ‖ password)). */
function rabbitHash(password: string): string {
  const salt = randomBytes(4);
  return Buffer.concat([salt, createHash('sha256').update(Buffer.concat([salt, Buffer.from(password)])).digest()]).toString('base64');
}

async function startRabbitMatrix(): Promise<MatrixBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'mcu-mqtt-rabbit-'));
  const [mqttPort, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const node = 'mcu13-' + process.pid + '-' + mqttPort + '@localhost';
  const users = [{ name: 'anon', pw: 'anon-' + randomBytes(6).toString('hex') }, { name: USER, pw: PASSWORD }];
  writeFileSync(join(dir, 'definitions.json'), JSON.stringify({
    users: users.map((u) => ({ name: u.name, password_hash: rabbitHash(u.pw), hashing_algorithm: 'rabbit_password_hashing_sha256', tags: '' })),
    vhosts: [{ name: '/' }],
    permissions: users.map((u) => ({ user: u.name, vhost: '/', configure: '.*', write: '.*', read: '.*' })),
  }));
  writeFileSync(join(dir, 'rabbitmq.conf'), [
    'listeners.tcp = none',                       // no AMQP listener: only MQTT is needed
    'mqtt.listeners.tcp.1 = 127.0.0.1:' + mqttPort,
    'mqtt.allow_anonymous = true',
    'mqtt.default_user = anon',
    'mqtt.default_pass = ' + users[0].pw,
    'load_definitions = ' + join(dir, 'definitions.json'),
    'loopback_users = none',
    'log.console = false',
    'log.file.level = warning',
  ].join('\n') + '\n');
  writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_mqtt].\n');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');     // instead of /etc/rabbitmq's, which names the system node
  mkdirSync(join(dir, 'home'));
  const env: NodeJS.ProcessEnv = Object.assign({}, process.env, {
    HOME: join(dir, 'home'),                           // Erlang makes its cookie here, not in root's home
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_NODENAME: node,
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_PLUGINS_EXPAND_DIR: join(dir, 'plugins-expand'),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),                  // our own epmd, ended in close()
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  });
  const child = new Child(RABBIT_SERVER, [], env);
  async function start(): Promise<void> {
    child.start();
    try {
      await mqttReady(mqttPort, 60000, () => child.alive, 'RabbitMQ');
    } catch (e) {
      await child.kill();
      throw new Error((e as Error).message + ':\n' + child.out.slice(-2000));
    }
  }
  async function close(): Promise<void> {
    await child.kill();
    // Our own epmd refuses to stop while the killed node is still registered ("Killing not
    // allowed - living nodes in database"), which lasts until the VM is really gone: retry.
    const epmd = findBinary('epmd') ?? 'epmd';
    for (let i = 0; i < 50; i++) {
      const r = spawnSync(epmd, ['-port', String(epmdPort), '-kill'], { encoding: 'utf8', timeout: 5000 });
      const out = (r.stdout || '') + (r.stderr || '');
      // "Killed", or "Cannot connect to local epmd" (never started, or already gone): done
      if (/Killed|Cannot connect/.test(out) && !/not allowed/.test(out)) break;
      await delay(100);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return childBroker('rabbitmq', mqttPort, start, () => child.kill(), close, () => {
    // warnings and errors go to the node's log file (log.console is off)
    const logs = join(dir, 'log');
    const files = existsSync(logs) ? readdirSync(logs).filter((f) => f.endsWith('.log')) : [];
    return child.out + files.map((f) => readFileSync(join(logs, f), 'utf8')).join('\n');
  });
}

// ---- NATS 2.x with its MQTT server (needs JetStream and a server name) ----

function natsUnavailable(): string | null {
  const bin = findBinary('nats-server');
  if (!bin) return 'nats-server not installed';
  try {
    const v = execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 5000 });
    const m = /v?(\d+)\.(\d+)/.exec(v);
    if (m && (+m[1] < 2 || (+m[1] === 2 && +m[2] < 2))) return 'nats-server ' + m[0] + ' has no MQTT (2.2+)';
  } catch (e) {
    return 'nats-server --version failed';
  }
  return null;
}

async function startNatsMatrix(): Promise<MatrixBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'mcu-mqtt-nats-'));
  chmodSync(dir, 0o700);
  const [natsPort, mqttPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'nats.conf');
  writeFileSync(conf, [
    'server_name: mcu13_' + process.pid + '_' + mqttPort,
    'listen: 127.0.0.1:' + natsPort,
    'jetstream { store_dir: "' + join(dir, 'js') + '" }',
    // anonymous MQTT clients become user `anon`; `dev` needs its password
    'authorization { users = [ { user: anon, password: "' + randomBytes(6).toString('hex') + '" }, { user: ' + USER +
      ', password: "' + PASSWORD + '" } ] }',
    'no_auth_user: anon',
    'mqtt { listen: 127.0.0.1:' + mqttPort + ' }',
  ].join('\n') + '\n');
  const child = new Child(findBinary('nats-server')!, ['-c', conf], process.env);
  async function start(): Promise<void> {
    child.start();
    try {
      await mqttReady(mqttPort, 20000, () => child.alive, 'nats-server');
    } catch (e) {
      await child.kill();
      throw new Error((e as Error).message + ':\n' + child.out.slice(-2000));
    }
  }
  async function close(): Promise<void> {
    await child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  return childBroker('nats', mqttPort, start, () => child.kill(), close, () => child.out);
}

export const AEDES: BrokerKind = {
  name: 'aedes', unavailable: () => null, start: startAedesMatrix,
  persistence: 'in this process; restart keeps its aedes-persistence store (as a Redis/MongoDB store would)',
  version: () => JSON.parse(readFileSync(join('node_modules', 'aedes', 'package.json'), 'utf8')).version,
};
export const MOSQUITTO: BrokerKind = {
  name: 'mosquitto', unavailable: () => findBinary('mosquitto') ? null : 'mosquitto not installed', start: startMosquittoMatrix,
  persistence: 'persistence file saved on every change',
  version: () => firstMatch(findBinary('mosquitto') ?? 'mosquitto', ['-h'], /mosquitto version (\S+)/),
};
export const RABBITMQ: BrokerKind = {
  name: 'rabbitmq', unavailable: rabbitUnavailable, start: startRabbitMatrix,
  persistence: 'durable queues for clean=false sessions (Mnesia and message store on disk)',
  version: () => {
    const d = existsSync('/usr/lib/rabbitmq/lib') ? readdirSync('/usr/lib/rabbitmq/lib').find((x) => x.startsWith('rabbitmq_server-')) : undefined;
    return d ? d.slice('rabbitmq_server-'.length) : '?';
  },
};
export const NATS: BrokerKind = {
  name: 'nats', unavailable: natsUnavailable, start: startNatsMatrix,
  persistence: 'JetStream file store',
  version: () => firstMatch(findBinary('nats-server') ?? 'nats-server', ['--version'], /v(\d+\.\d+\.\d+)/),
};
