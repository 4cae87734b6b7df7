// Command-line options of `host-sim` (npm start). parseArgs in strict mode rejects unknown
// options; every number and the broker URL are checked here so the fleet never starts half-configured.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { parseBrokerUrl } from '../src/url.js';
import { LiteClient } from '../src/lite/client.js';
import type { LitePlatform } from '../src/lite/types.js';
import type { Faults } from './fault-proxy.js';

/** Which client the simulated devices run: MqttClient (Moddable) or LiteClient (Espruino). */
export type ClientKind = 'full' | 'lite';

export interface SimOptions {
  broker?: string; // external broker URL; undefined = embedded aedes
  ca?: string; // PEM text, for mqtts
  devices: number;
  interval: number; // ms between readings per device
  qos: 0 | 1;
  topic: string;
  perDeviceTopics: boolean; // readings on <topic>/<id> instead of the firmware's shared <topic>
  duration?: number; // s; undefined = until Ctrl-C
  idPrefix: string;
  quiet: boolean;
  json: boolean;
  ramp: number; // device connects started per second
  report: number; // s between plain status lines when stdout is not a terminal
  faults?: Faults; // undefined = devices connect straight to the broker
  client: ClientKind;
  dashboard: boolean; // serve the live dashboard page (and MQTT over WebSocket for it)
  dashboardPort: number; // 0: a free port
  shard: { index: number; count: number } | null; // this process runs part `index` (1-based) of `count`
  help: boolean;
}

export class UsageError {
  constructor(readonly message: string) {}
}

export const HELP = `host-sim — a fleet of simulated temperature sensors running the firmware app on Node.js

Usage: host-sim [options]        (npm start -- [options])

  --broker <url>      external broker (mqtt://user:pass@host:port, mqtts://…, or MQTT over
                      WebSocket: ws://host:port/path, wss://…); default: an embedded aedes
                      broker on 127.0.0.1:1883, or a free port if 1883 is taken
  --ca <file>         CA certificate (PEM) for an mqtts:// or wss:// broker
  --devices <n>       simulated sensors (default 3); with --shard, the whole fleet's count
  --interval <ms>     time between readings of each sensor (default 2000)
  --qos <0|1>         QoS of the readings (default 1)
  --topic <t>         every sensor publishes readings to <t> and its retained status to
                      <t>/status, as the firmware does (default temp)
  --per-device-topics sensor <id> publishes to <t>/<id> and <t>/<id>/status instead, so loss is
                      counted exactly per device with any broker (with --broker and shared
                      topics it is counted fleet-wide: the subscriber cannot tell who published)
  --client <c>        the client every device runs: full (MqttClient, as on Moddable; default)
                      or lite (LiteClient, what Espruino boards run; mqtt:// and mqtts:// only)
  --id-prefix <p>     client ids are <p>1, <p>2, … (default sim-)
  --duration <s>      stop after this many seconds and print the summary (default: until Ctrl-C)
  --ramp <n>          start at most n device connections per second (default 200)
  --report <s>        seconds between status lines when stdout is not a terminal (default 5)
  --quiet             do not print each reading
  --json              print the summary as JSON on stdout (and nothing else there)
  --no-dashboard      do not serve the live dashboard page
  --dashboard-port <p>  port of the dashboard page and its MQTT over WebSocket (default: a free one)
  --shard <i/n>       run part i of n of the fleet (ids and counts split evenly), for fleets spread
                      over several host-sim processes or machines; needs --broker and
                      --per-device-topics
  --latency <ms>      fault proxy: delay every chunk by ms, each way
  --chunk <n>         fault proxy: deliver in n-byte pieces (1 = byte by byte)
  --drop-every <s>    fault proxy: cut each device's link at a random time around every s seconds
  --stall             fault proxy: forward nothing (devices hit their keepalive timeout)
  --help              this text
`;

function num(name: string, text: string | undefined, min: number, max: number, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not "${text}"`);
  }
  return n;
}

function clientKind(text: string | undefined): ClientKind {
  if (text === undefined || text === 'full') return 'full';
  if (text === 'lite') return 'lite';
  throw new UsageError(`--client must be full or lite, not "${text}"`);
}

// Never called: constructing a LiteClient only parses its options, and nothing connects.
const NO_PLATFORM: LitePlatform = {
  connect() {
    throw new Error('not used');
  },
  now: () => 0,
  setTimer: () => 0,
  clearTimer: () => {},
};

/** LiteClient reads URLs more narrowly than parseBrokerUrl (no tcp:// or ssl://): ask it, not a copy of its rules. */
function checkLiteUrl(url: string): void {
  try {
    new LiteClient({ url, platform: NO_PLATFORM });
  } catch (e) {
    const why = (e as { message?: string }).message ?? String(e);
    throw new UsageError(`--broker: LiteClient (--client lite) cannot use this URL (${why}): it takes mqtt://host:port and mqtts://host:port, no tcp://, ssl:// or [IPv6] hosts`);
  }
}

// Options that take a value: a value that starts with '-' ("--devices -3") is still its value.
// parseArgs would read "-3" as another option and answer "argument is ambiguous"; joined as
// "--devices=-3" it reaches the range check, which says what is wrong with it.
const TAKES_VALUE = ['broker', 'ca', 'devices', 'interval', 'qos', 'topic', 'duration', 'id-prefix', 'client', 'ramp',
  'report', 'latency', 'chunk', 'drop-every', 'dashboard-port', 'shard'];
function joinDashValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    if (a.startsWith('--') && TAKES_VALUE.indexOf(a.slice(2)) >= 0 && next !== undefined && /^-\d|^-\.\d|^-$/.test(next)) {
      out.push(a + '=' + next);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

function shard(text: string | undefined): { index: number; count: number } | null {
  if (text === undefined) return null;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(count >= 1 && count <= 100000 && index >= 1 && index <= count)) {
    throw new UsageError(`--shard must be i/n with 1 <= i <= n (this process runs part i of n), not "${text}"`);
  }
  return { index, count };
}

export function parseOptions(argv: string[]): SimOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinDashValues(argv),
      strict: true,
      allowPositionals: false,
      options: {
        broker: { type: 'string' },
        ca: { type: 'string' },
        devices: { type: 'string' },
        interval: { type: 'string' },
        qos: { type: 'string' },
        topic: { type: 'string' },
        'per-device-topics': { type: 'boolean' },
        duration: { type: 'string' },
        'id-prefix': { type: 'string' },
        client: { type: 'string' },
        ramp: { type: 'string' },
        report: { type: 'string' },
        quiet: { type: 'boolean' },
        json: { type: 'boolean' },
        latency: { type: 'string' },
        chunk: { type: 'string' },
        'drop-every': { type: 'string' },
        stall: { type: 'boolean' },
        'no-dashboard': { type: 'boolean' },
        'dashboard-port': { type: 'string' },
        shard: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    // parseArgs' messages are multi-line ("To specify a positional argument…"): keep the first.
    throw new UsageError(String((e as Error).message).split('\n')[0]);
  }
  const v = parsed.values;
  const opts: SimOptions = {
    devices: num('devices', v.devices, 1, 1_000_000, true) ?? 3,
    interval: num('interval', v.interval, 10, 86_400_000, true) ?? 2000,
    qos: (num('qos', v.qos, 0, 1, true) ?? 1) as 0 | 1,
    topic: v.topic ?? 'temp',
    perDeviceTopics: v['per-device-topics'] === true,
    duration: num('duration', v.duration, 0.1, 31_536_000, false),
    idPrefix: v['id-prefix'] ?? 'sim-',
    quiet: v.quiet === true,
    json: v.json === true,
    ramp: num('ramp', v.ramp, 1, 1_000_000, false) ?? 200,
    report: num('report', v.report, 0.1, 86_400, false) ?? 5,
    client: clientKind(v.client),
    dashboard: v['no-dashboard'] !== true,
    dashboardPort: num('dashboard-port', v['dashboard-port'], 0, 65535, true) ?? 0,
    shard: shard(v.shard),
    help: v.help === true,
  };
  if (opts.topic === '' || /[+#\u0000]/.test(opts.topic)) {
    throw new UsageError(`--topic must be a non-empty topic name without wildcards, not "${opts.topic}"`);
  }
  if (/[/+#\u0000]/.test(opts.idPrefix)) {
    throw new UsageError('--id-prefix may not contain "/", "+", "#" (it becomes part of a topic)');
  }
  if (v.broker !== undefined) {
    try {
      parseBrokerUrl(v.broker);
    } catch (e) {
      throw new UsageError('--broker: ' + ((e as { message?: string }).message ?? String(e)));
    }
    if (opts.client === 'lite' && /^wss?:/i.test(v.broker)) {
      throw new UsageError('--broker: LiteClient (--client lite) speaks MQTT over TCP only (mqtt://, mqtts://), not WebSocket');
    }
    if (opts.client === 'lite') checkLiteUrl(v.broker);
    opts.broker = v.broker;
  }
  if (opts.shard) {
    if (!opts.broker) throw new UsageError('--shard needs --broker: every shard must reach the same broker (an embedded one is per process)');
    if (!opts.perDeviceTopics) {
      throw new UsageError('--shard needs --per-device-topics: on a shared topic each shard\'s watcher would see the other shards\' readings and could not count loss');
    }
    if (opts.devices < opts.shard.count) throw new UsageError(`--shard ${opts.shard.index}/${opts.shard.count}: --devices (${opts.devices}) must be at least the number of shards`);
  }
  if (v['dashboard-port'] !== undefined && !opts.dashboard) throw new UsageError('--dashboard-port and --no-dashboard contradict each other');
  if (v.ca !== undefined) {
    if (!opts.broker || !/^(mqtts|ssl|wss):/i.test(opts.broker)) throw new UsageError('--ca needs --broker mqtts://… or wss://…');
    try {
      opts.ca = readFileSync(v.ca, 'utf8');
    } catch (e) {
      throw new UsageError(`--ca: cannot read ${v.ca}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
  }
  const faults: Faults = {};
  let anyFault = false;
  const latency = num('latency', v.latency, 0, 600_000, false);
  if (latency !== undefined && latency > 0) (faults.latency = latency), (anyFault = true);
  const chunk = num('chunk', v.chunk, 1, 1 << 20, true);
  if (chunk !== undefined) (faults.chunk = chunk), (anyFault = true);
  const drop = num('drop-every', v['drop-every'], 0.01, 86_400, false);
  if (drop !== undefined) (faults.dropEvery = drop * 1000), (anyFault = true);
  if (v.stall) (faults.stall = true), (anyFault = true);
  if (anyFault) opts.faults = faults;
  return opts;
}
