// A broker behind links the kernel impairs, not our proxy: a network namespace joined to this
// one by two veth pairs. The "device" link is the one the clients use and the one we hurt
// (nftables random drop for loss, plain drop for a blackhole with no FIN or RST, tc tbf for a
// slow link, link down); the "back" link stays clean for the observer that counts what arrived.
// This kernel has no netem, so nothing here uses it. Needs root; netnsUnavailable() says why not.
//
// Every name made here carries this process's id and a counter, and close() removes exactly
// what was made (the processes started inside, the veth pairs, the namespace).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delay } from './wait.js';

// System directories first, and never node_modules/.bin: under npm, PATH starts there, and its
// `nft` is @vercel/nft's file tracer, not nftables.
const SYSTEM = ['/usr/sbin', '/sbin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

export function findBinary(name: string): string | null {
  for (const d of SYSTEM.concat((process.env.PATH ?? '').split(':'))) {
    if (d && !d.includes('node_modules') && existsSync(join(d, name))) return join(d, name);
  }
  return null;
}

const bin = (name: string): string => findBinary(name) ?? name;

function run(cmd: string, args: string[]): string {
  return execFileSync(bin(cmd), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10000 });
}

let checked: string | null | undefined;
let counter = 0;

/** Why namespaced tests cannot run here (one line), or null when they can. */
export function netnsUnavailable(): string | null {
  if (checked !== undefined) return checked;
  checked = (() => {
    if (process.platform !== 'linux') return 'not Linux';
    if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root';
    for (const b of ['ip', 'nft', 'tc', 'mosquitto']) if (!findBinary(b)) return b + ' not installed';
    const probe = 'm13probe-' + process.pid;
    try {
      run('ip', ['netns', 'add', probe]);
      try {
        run('ip', ['netns', 'exec', probe, bin('nft'), 'add', 'table', 'inet', 'probe']);
        if (!run('ip', ['netns', 'exec', probe, bin('nft'), 'list', 'tables']).includes('probe')) {
          return 'nftables made no table in a namespace';
        }
      } finally {
        run('ip', ['netns', 'del', probe]);
      }
    } catch (e) {
      return 'network namespaces or nftables unavailable (' + String((e as Error).message).split('\n')[0] + ')';
    }
    return null;
  })();
  return checked;
}

// Namespaces still open when the process exits (a test that crashed before its teardown).
const open = new Set<Netns>();
process.once('exit', () => { for (const n of open) n.closeSync(); });

export interface Side { hostIf: string; nsIf: string; hostAddr: string; nsAddr: string }

export class Netns {
  readonly name: string;
  readonly dev: Side;
  readonly back: Side;
  private procs = new Set<ChildProcess>();
  private shaped = false;

  private constructor(tag: string) {
    const n = ++counter;
    const id = process.pid.toString(36) + n.toString(36);
    this.name = 'm13-' + tag + '-' + id;
    // /30 pairs in 10.200-249.x.0/24; the third octet moves on if this machine already uses one
    let third = (process.pid * 7 + n * 13) % 256;
    const used = run('ip', ['-4', '-o', 'addr', 'show']);
    const base = 200 + (process.pid % 50);
    while (used.includes(' 10.' + base + '.' + third + '.')) third = (third + 1) % 256;
    const net = '10.' + base + '.' + third + '.';
    // interface names are at most 15 characters
    this.dev = { hostIf: 'm' + id + 'dh', nsIf: 'm' + id + 'dn', hostAddr: net + '1', nsAddr: net + '2' };
    this.back = { hostIf: 'm' + id + 'bh', nsIf: 'm' + id + 'bn', hostAddr: net + '5', nsAddr: net + '6' };
  }

  static create(tag: string): Netns {
    const ns = new Netns(tag);
    open.add(ns);
    try {
      run('ip', ['netns', 'add', ns.name]);
      for (const s of [ns.dev, ns.back]) {
        run('ip', ['link', 'add', s.hostIf, 'type', 'veth', 'peer', 'name', s.nsIf]);
        run('ip', ['link', 'set', s.nsIf, 'netns', ns.name]);
        run('ip', ['addr', 'add', s.hostAddr + '/30', 'dev', s.hostIf]);
        run('ip', ['link', 'set', s.hostIf, 'up']);
        ns.exec('ip', ['addr', 'add', s.nsAddr + '/30', 'dev', s.nsIf]);
        ns.exec('ip', ['link', 'set', s.nsIf, 'up']);
      }
      ns.exec('ip', ['link', 'set', 'lo', 'up']);
      // Two empty filter chains on the broker's side of the device link; impairments fill them.
      ns.exec('nft', ['-f', '-'], 'table inet m13 {\n' +
        ' chain in { type filter hook input priority 0; policy accept; }\n' +
        ' chain out { type filter hook output priority 0; policy accept; }\n}\n');
    } catch (e) {
      ns.closeSync();
      throw e;
    }
    return ns;
  }

  exec(cmd: string, args: string[], input?: string): string {
    return execFileSync(bin('ip'), ['netns', 'exec', this.name, bin(cmd)].concat(args),
      { encoding: 'utf8', input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: 10000 });
  }

  /** A process inside the namespace (`ip netns exec` execs it, so the pid is the program's own). */
  spawn(cmd: string, args: string[]): ChildProcess {
    const c = spawn(bin('ip'), ['netns', 'exec', this.name, bin(cmd)].concat(args), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.procs.add(c);
    c.once('exit', () => this.procs.delete(c));
    return c;
  }

  /**
   * Sets what happens on the device link, replacing what was set before: `loss` % of packets
   * dropped at random each way; `reset`: every TCP segment from the devices answered with an RST
   * (their connections die at once, new ones are refused); `blackhole`: everything dropped.
   */
  impair(o: { loss?: number; reset?: boolean; blackhole?: boolean }): void {
    const inRules: string[] = [], outRules: string[] = [];
    if (o.blackhole) { inRules.push('drop'); outRules.push('drop'); }
    if (o.reset) inRules.push('meta l4proto tcp reject with tcp reset');
    if (o.loss) {
      const r = 'numgen random mod 100 < ' + o.loss + ' drop';
      inRules.push(r); outRules.push(r);
    }
    this.exec('nft', ['-f', '-'], 'flush chain inet m13 in\nflush chain inet m13 out\n' +
      inRules.map((r) => 'add rule inet m13 in iifname "' + this.dev.nsIf + '" ' + r + '\n').join('') +
      outRules.map((r) => 'add rule inet m13 out oifname "' + this.dev.nsIf + '" ' + r + '\n').join(''));
  }
  /** Drops `percent` % of packets at random, each way, on the device link. */
  loss(percent: number): void { this.impair({ loss: percent }); }
  /** Every packet on the device link vanishes, both ways: no FIN, no RST, no ICMP. */
  blackhole(): void { this.impair({ blackhole: true }); }
  /** Removes the loss or blackhole. */
  clear(): void { this.impair({}); }

  /** A token bucket of `kbit` kbit/s each way on the device link (1 s of queue, then drops). */
  slow(kbit: number): void {
    const args = ['root', 'tbf', 'rate', kbit + 'kbit', 'burst', '3000', 'latency', '1s'];
    run('tc', ['qdisc', 'replace', 'dev', this.dev.hostIf].concat(args));
    this.exec('tc', ['qdisc', 'replace', 'dev', this.dev.nsIf].concat(args));
    this.shaped = true;
  }
  unslow(): void {
    if (!this.shaped) return;
    this.shaped = false;
    run('tc', ['qdisc', 'del', 'dev', this.dev.hostIf, 'root']);
    this.exec('tc', ['qdisc', 'del', 'dev', this.dev.nsIf, 'root']);
  }

  /** The device link's host end down or up (the kernel then fails writes and drops routes). */
  link(up: boolean): void { run('ip', ['link', 'set', this.dev.hostIf, up ? 'up' : 'down']); }

  closeSync(): void {
    if (!open.delete(this)) return;
    for (const c of this.procs) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
    for (const s of [this.dev, this.back]) {
      try { run('ip', ['link', 'del', s.hostIf]); } catch { /* not made, or gone with the namespace */ }
    }
    try { run('ip', ['netns', 'del', this.name]); } catch { /* not made */ }
  }

  async close(): Promise<void> {
    const exits = Array.from(this.procs).map((c) => new Promise<void>((r) => {
      if (c.exitCode !== null || c.signalCode !== null) r(); else c.once('exit', () => r());
    }));
    for (const c of this.procs) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
    await Promise.race([Promise.all(exits), delay(3000)]);
    this.closeSync();
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => { s.destroy(); resolve(false); });
  });
}

export interface NsBroker { deviceUrl: string; backUrl: string; log(): string }

/**
 * mosquitto inside the namespace, listening on both links (port 1883: the namespace is ours).
 * It keeps sessions in memory, which is all these tests need: it is never restarted.
 */
export async function startNsMosquitto(ns: Netns): Promise<NsBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'mcu-mqtt-nsmosq-'));
  chmodSync(dir, 0o755);
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, ['persistence false', 'log_dest stderr', 'log_type error', 'log_type warning',
    'allow_anonymous true', 'max_queued_messages 100000', 'listener 1883 ' + ns.dev.nsAddr,
    'listener 1883 ' + ns.back.nsAddr].join('\n') + '\n');
  chmodSync(conf, 0o644);
  const c = ns.spawn(findBinary('mosquitto')!, ['-c', conf]);
  let out = '';
  c.stdout!.on('data', (d) => { out += d; });
  c.stderr!.on('data', (d) => { out += d; });
  c.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const deadline = Date.now() + 10000;
  while (!(await canConnect(ns.back.nsAddr, 1883) && await canConnect(ns.dev.nsAddr, 1883))) {
    if (c.exitCode !== null) throw new Error('mosquitto exited in the namespace:\n' + out);
    if (Date.now() > deadline) throw new Error('mosquitto did not listen in the namespace:\n' + out);
    await delay(30);
  }
  return { deviceUrl: 'mqtt://' + ns.dev.nsAddr + ':1883', backUrl: 'mqtt://' + ns.back.nsAddr + ':1883', log: () => out };
}
