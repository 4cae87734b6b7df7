// Brokers started by the tests themselves, on free 127.0.0.1 ports: aedes in-process and the
// system mosquitto as a child process. Nothing here touches a broker that happens to be running.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCerts } from './tls.js';
import { delay } from './wait.js';
import { startEmbeddedBroker } from '../../host-sim/broker.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => { s.destroy(); resolve(false); });
  });
}

export interface AedesBroker {
  port: number; url: string;
  broker: any;                 // the aedes instance, for tests that hook its events
  close(): Promise<void>;
}

/** aedes in this process on a free port: host-sim's embedded broker, asked for no preferred port. */
export async function startAedes(): Promise<AedesBroker> {
  const b = await startEmbeddedBroker(0);
  return { port: b.port, url: b.url, broker: b.aedes, close: b.close };
}

export interface MosquittoOptions {
  passwords?: Record<string, string>;
  tls?: boolean;
  port?: number;
  // Keep sessions and queued messages across stop()/start() (saved after every change), so a
  // killed broker loses as little as a real one configured for durability would.
  persistence?: boolean;
}

export interface MosquittoBroker {
  port: number; url: string; tlsPort?: number; ca?: string; otherCa?: string; dir: string;
  log(): string;               // what mosquitto printed so far, for failure messages
  stop(): Promise<void>;       // SIGKILL: a crash, not a clean shutdown
  start(): Promise<void>;      // same config, same ports
  close(): Promise<void>;      // stop and remove the temp dir
}

function mosquittoBinary(): string {
  for (const d of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/local/sbin'])) {
    const p = join(d, 'mosquitto');
    if (d && existsSync(p)) return p;
  }
  throw new Error('mosquitto binary not found in PATH or /usr/sbin');
}

export async function startMosquitto(o: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const bin = mosquittoBinary();
  const dir = mkdtempSync(join(tmpdir(), 'mcu-mqtt-mosq-'));
  // mosquitto drops root privileges to its own user; it must still read the files here.
  chmodSync(dir, 0o755);
  const port = o.port ?? await freePort();
  const lines = ['persistence ' + (o.persistence ? 'true' : 'false'), 'log_dest stderr',
    'log_type error', 'log_type warning', 'log_type notice'];
  if (o.persistence) {
    lines.push('persistence_location ' + dir + '/', 'autosave_on_changes true', 'autosave_interval 1');
  }
  if (o.passwords) {
    const pw = join(dir, 'passwords');
    let first = true;
    for (const user of Object.keys(o.passwords)) {
      execFileSync('mosquitto_passwd', first ? ['-b', '-c', pw, user, o.passwords[user]]
        : ['-b', pw, user, o.passwords[user]], { stdio: 'ignore', timeout: 10000 });
      first = false;
    }
    chmodSync(pw, 0o644);
    lines.push('allow_anonymous false', 'password_file ' + pw);
  } else {
    lines.push('allow_anonymous true');
  }
  lines.push('listener ' + port + ' 127.0.0.1');
  let tlsPort: number | undefined;
  let ca: string | undefined;
  let otherCa: string | undefined;
  if (o.tls) {
    const certs = makeCerts(dir);
    for (const f of [certs.caFile, certs.certFile, certs.keyFile]) chmodSync(f, 0o644);
    tlsPort = await freePort();
    ca = certs.ca;
    otherCa = certs.otherCa;
    lines.push('listener ' + tlsPort + ' 127.0.0.1', 'cafile ' + certs.caFile,
      'certfile ' + certs.certFile, 'keyfile ' + certs.keyFile);
  }
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, lines.join('\n') + '\n');
  if (o.persistence) chmodSync(dir, 0o777);

  let child: ChildProcess | null = null;
  let output = '';
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    if (child) return;
    const c = spawn(bin, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    let alive = true;
    exited = new Promise<void>((r) => c.once('exit', () => { alive = false; if (child === c) child = null; r(); }));
    c.stdout!.on('data', (d) => { output += d; });
    c.stderr!.on('data', (d) => { output += d; });
    const deadline = Date.now() + 10000;
    for (;;) {
      const ok = await canConnect(port) && (tlsPort === undefined || await canConnect(tlsPort));
      if (ok) return;
      if (!alive) throw new Error('mosquitto exited at start:\n' + output);
      if (Date.now() > deadline) { c.kill('SIGKILL'); throw new Error('mosquitto did not listen:\n' + output); }
      await delay(30);
    }
  }

  async function stop(): Promise<void> {
    const c = child;
    if (!c) return;
    c.kill('SIGKILL');
    await exited;
  }

  await start();
  return {
    port, url: 'mqtt://127.0.0.1:' + port, tlsPort, ca, otherCa, dir,
    log: () => output,
    stop, start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
