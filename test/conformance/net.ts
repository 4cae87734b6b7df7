// The scripted network both drivers run on: a manual clock (timers fire only when the case lets
// time pass), the links a client dials, the broker's bytes cut into chunks per the run's cut
// pattern, and the transcript of what the client did — dials, packets written (decoded by
// wire.ts), links it closed ("wire") and its callbacks ("app"), each with its time. XS-safe.
import { ManualClock } from '../helpers/manual-clock.js';
import type { Bytes } from './wire.js';
import { connack, describe, pingresp, puback, splitPackets } from './wire.js';
import type { BrokerScript } from './types.js';

/** One thing the client did; a dial also carries the ms since the previous link ended (-1: none). */
export interface Obs { ch: 'wire' | 'app'; e: string; t: number; gap?: number }

/** How a broker send is cut into chunks: all at once, one byte per chunk, or seeded random cuts. */
export type Cut = 'whole' | 'bytes' | 'random';
export const CUTS: Cut[] = ['whole', 'bytes', 'random'];

/** mulberry32: a small seeded generator, the same on every engine. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hashName(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The client's side of one link, set by the driver's platform adapter. */
export interface LinkSink { open(): void; data(b: Bytes): void; close(reason?: string): void }

export class NetLink {
  readonly net: Net;
  readonly no: number;
  sink: LinkSink | null;
  opened: boolean;
  closedByClient: boolean;
  dropped: boolean;
  script: BrokerScript | null;
  private unparsed: Bytes;

  constructor(net: Net, no: number, script: BrokerScript | null) {
    this.net = net; this.no = no; this.script = script;
    this.sink = null; this.opened = false; this.closedByClient = false; this.dropped = false;
    this.unparsed = [];
  }

  get live(): boolean { return !this.closedByClient && !this.dropped; }
  /** bytes of a packet the client began to write and has not finished */
  get partial(): number { return this.unparsed.length; }

  // -- called by the client, through its platform adapter --
  written(b: Bytes): void {
    if (!this.live) { this.net.record('wire', 'write after close: ' + b.length + ' bytes'); return; }
    if (!this.opened) this.net.record('wire', 'write before open');
    const all = this.unparsed.concat(b);
    const r = splitPackets(all);
    this.unparsed = all.slice(r.used);
    for (let i = 0; i < r.packets.length; i++) {
      this.net.record('wire', describe(r.packets[i]));
      if (this.script !== null) this.net.answer(this, r.packets[i]);
    }
  }
  closed(): void {
    if (!this.live) return;
    this.closedByClient = true;
    this.net.linkEnded();
    this.net.record('wire', 'close');
    if (this.unparsed.length > 0) this.net.record('wire', 'partial packet left: ' + this.unparsed.length + ' bytes');
  }

  // -- the network and the broker --
  open(): void { if (this.live && !this.opened) { this.opened = true; (this.sink as LinkSink).open(); } }
  drop(reason: string): void {
    if (!this.live) return;
    this.dropped = true;
    this.net.linkEnded();
    (this.sink as LinkSink).close(reason === '' ? undefined : reason);
  }
  /** Events after the client closed the link (a socket may still report them): the client must ignore them. */
  late(what: Bytes | 'close'): void {
    const sink = this.sink as LinkSink;
    if (what === 'close') sink.close(undefined);
    else sink.data(what);
  }
  /** Delivers bytes cut per the run's pattern; stops once the link is gone (a closed socket reads nothing). */
  feed(b: Bytes, settle: boolean): void {
    const chunks = this.net.chunks(b);
    for (let i = 0; i < chunks.length && this.live; i++) {
      (this.sink as LinkSink).data(chunks[i]);
      if (settle) this.net.advance(0);
    }
  }
}

export class Net extends ManualClock {
  readonly cut: Cut;
  readonly deviceIdValue: string;
  links: NetLink[];
  obs: Obs[];
  private t0: number;
  private lastEnd: number;
  private rnd: () => number;
  private scripts: { script: BrokerScript; left: number }[];   // in turn; left -1: every later link

  constructor(cut: Cut, seed: number, deviceId: string) {
    super();
    this.cut = cut; this.deviceIdValue = deviceId;
    this.links = []; this.obs = [];
    this.t0 = this.time; this.lastEnd = -1;
    this.rnd = seeded(seed ^ 0x5eed);
    this.scripts = [];
  }

  /** ms since the case began */
  get now0(): number { return this.time - this.t0; }

  record(ch: 'wire' | 'app', e: string): void { this.obs.push({ ch: ch, e: e, t: this.time - this.t0 }); }

  /** The driver's adapter: the client asks for a connection. */
  dial(host: string, port: number, secure: boolean): NetLink {
    const t = this.time - this.t0;
    this.obs.push({ ch: 'wire', e: 'dial ' + host + ':' + port + (secure ? ' tls' : ''), t: t, gap: this.lastEnd < 0 ? -1 : t - this.lastEnd });
    let script: BrokerScript | null = null;
    if (this.scripts.length > 0) {
      const first = this.scripts[0];
      script = first.script;
      if (first.left > 0 && --first.left === 0) this.scripts.shift();
    }
    if (script !== null && script.throws !== undefined) {
      this.lastEnd = t;
      throw new Error(script.throws);
    }
    const l = new NetLink(this, this.links.length, script);
    this.links.push(l);
    if (script !== null) {
      // a socket's events come later, never inside connect()
      const refuse = script.refuse;
      if (refuse !== undefined) this.setTimer(0, function () { l.drop(refuse); });
      else if (script.connack !== undefined) this.setTimer(0, function () { l.open(); });
    }
    return l;
  }

  /** A link ended (closed by the client or dropped): the next dial's gap counts from here. */
  linkEnded(): void { this.lastEnd = this.time - this.t0; }

  /** The broker answers the next `times` new links (every one if undefined) by this script, after those queued before. */
  serve(script: BrokerScript, times: number | undefined): void {
    this.scripts.push({ script: script, left: times === undefined ? -1 : times });
  }

  /** The scripted broker's answer to a packet the client wrote on one of its links. */
  answer(l: NetLink, p: Bytes): void {
    const s = l.script as BrokerScript, type = p[0] >> 4;
    const self = this;
    if (type === 1 && s.connack !== undefined) {
      const code = s.connack;
      this.setTimer(0, function () {
        l.feed(connack(code), false);
        const then = s.then;
        if (then === undefined || !l.live) return;
        self.setTimer(s.after === undefined ? 0 : s.after, function () {
          if (then === 'drop') l.drop('');
          else l.feed(then, false);
        });
      });
    } else if (s.ackAll && type === 3 && (p[0] & 6) !== 0) {
      let i = 1;
      while (p[i] & 128) i++;
      i++;
      i += 2 + ((p[i] << 8) | p[i + 1]);
      const id = (p[i] << 8) | p[i + 1];
      this.setTimer(0, function () { l.feed(puback(id), false); });
    } else if (s.ackAll && type === 12) {
      this.setTimer(0, function () { l.feed(pingresp(), false); });
    }
  }

  last(): NetLink {
    if (this.links.length === 0) throw new Error('the client has not dialled: there is no link');
    return this.links[this.links.length - 1];
  }

  /** The bytes of one send, cut per the run's pattern. */
  chunks(b: Bytes): Bytes[] {
    if (b.length === 0) return [];
    if (this.cut === 'whole') return [b];
    const out: Bytes[] = [];
    if (this.cut === 'bytes') { for (let i = 0; i < b.length; i++) out.push([b[i]]); return out; }
    // random: mostly short pieces, now and then a long one, so a cut falls anywhere
    let i = 0;
    while (i < b.length) {
      const r = this.rnd();
      const n = r < 0.8 ? 1 + Math.floor(this.rnd() * 7) : 1 + Math.floor(this.rnd() * 200);
      out.push(b.slice(i, i + n));
      i += n;
    }
    return out;
  }

  /** The transcript since the last call, and forget it. */
  take(): Obs[] { const o = this.obs; this.obs = []; return o; }
}
