// The machine and tool versions every result depends on.
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

export interface Machine {
  cpu: string; cores: number; memory: string; os: string; node: string; mosquitto: string;
  mqtt: string; mqttPacket: string; xsnap: string; esbuild: string; terser: string; swc: string;
}

export function pkgVersion(name: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.resolve('node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch (e) { return 'not installed'; }
}

export const MOSQUITTO = '/usr/sbin/mosquitto';

export function mosquittoVersion(): string {
  const r = spawnSync(MOSQUITTO, ['-h'], { encoding: 'utf8', timeout: 5000 });
  const m = /mosquitto version (\S+)/.exec((r.stdout || '') + (r.stderr || ''));
  return m ? m[1] : 'unknown';
}

export function machineInfo(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus.length ? cpus[0].model.trim() : 'unknown',
    cores: cpus.length,
    memory: (os.totalmem() / 2 ** 30).toFixed(1) + ' GiB',
    os: os.type() + ' ' + os.release() + ' ' + os.arch(),
    node: process.version,
    mosquitto: mosquittoVersion(),
    mqtt: pkgVersion('mqtt'),
    mqttPacket: pkgVersion('mqtt-packet'),
    xsnap: pkgVersion('@agoric/xsnap'),
    esbuild: pkgVersion('esbuild'),
    terser: pkgVersion('terser'),
    swc: pkgVersion('@swc/core'),
  };
}
