// One mosquitto per benchmark, on a free 127.0.0.1 port, with queue limits lifted: by default
// mosquitto drops messages for a subscriber that falls 1 000 behind, which a throughput run
// provokes on purpose. (test/helpers/brokers.ts has no way to set these, hence our own config.)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { freePort } from '../test/helpers/brokers.js';
import { MOSQUITTO } from './machine.js';

export interface Broker { port: number; url: string; close(): Promise<void>; pid: number }

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => { s.destroy(); resolve(false); });
  });
}

export async function startBenchMosquitto(): Promise<Broker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcu-mqtt-bench-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, [
    'persistence false', 'log_dest stderr', 'log_type error', 'allow_anonymous true',
    'max_queued_messages 0', 'max_queued_bytes 0', 'max_inflight_messages 0', 'max_connections -1',
    'listener ' + port + ' 127.0.0.1', '',
  ].join('\n'));
  const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => { log += d; });
  let alive = true;
  const exited = new Promise<void>((r) => child.once('exit', () => { alive = false; r(); }));
  const deadline = Date.now() + 10000;
  while (!(await canConnect(port))) {
    if (!alive || Date.now() > deadline) { child.kill('SIGKILL'); throw new Error('mosquitto did not start: ' + log); }
    await new Promise((r) => setTimeout(r, 30));
  }
  return {
    port, url: 'mqtt://127.0.0.1:' + port, pid: child.pid!,
    async close() {
      if (alive) { child.kill('SIGTERM'); const t = setTimeout(() => child.kill('SIGKILL'), 2000); await exited; clearTimeout(t); }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
