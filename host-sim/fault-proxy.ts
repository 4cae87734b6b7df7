// A TCP proxy that sits between MQTT clients and a broker and misbehaves on purpose: it delays,
// splits, stalls and cuts, so the client's reconnect/resend/keepalive logic meets real sockets.
// host-sim's fault flags and the integration tests both drive it; the API is fixed by CONTRACTS.md.
import * as net from 'node:net';

export interface Faults {
  latency?: number; // ms added to every chunk in each direction (order is preserved)
  chunk?: number; // deliver in pieces of at most n bytes (1 = byte by byte), both directions
  dropEvery?: number; // ms: each link is cut at a random time in [0.5, 1.5] × dropEvery after it opens
  stall?: boolean; // stop forwarding both ways; sockets stay open
  seed?: number; // PRNG seed for dropEvery, so a run is reproducible (default 1)
}

// Bytes buffered per direction before the sending side is paused; bounds memory while stalled.
const HIGH_WATER = 1 << 20;
// A stall changed through `faults.stall` (not stall()) is noticed within this many ms.
const STALL_POLL_MS = 50;

interface Piece {
  at: number; // earliest delivery time (ms)
  data: Buffer;
}

// mulberry32: tiny, fast and good enough to spread cut times; seeded so runs repeat.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// One direction of one link: a FIFO of delayed pieces, written in order to `dst`.
class Pipe {
  queue: Piece[] = [];
  queued = 0;
  ended = false; // the source sent FIN: end dst once the queue is empty
  timer: NodeJS.Timeout | null = null;
  waitingDrain = false;
  constructor(
    readonly proxy: FaultProxy,
    readonly src: net.Socket,
    readonly dst: net.Socket,
    readonly up: boolean,
    readonly ready: () => boolean,
  ) {}

  push(data: Buffer): void {
    const latency = this.proxy.faults.latency || 0;
    this.queue.push({ at: Date.now() + latency, data });
    this.queued += data.length;
    if (this.queued > HIGH_WATER) this.src.pause();
    this.pump();
  }

  pump(): void {
    if (this.timer || this.waitingDrain || this.dst.destroyed) return;
    if (!this.ready()) return; // upstream not connected yet: the connect handler pumps again
    const faults = this.proxy.faults;
    if (faults.stall) {
      this.timer = setTimeout(() => this.fire(), STALL_POLL_MS);
      return;
    }
    while (this.queue.length > 0) {
      const head = this.queue[0];
      const wait = head.at - Date.now();
      if (wait > 0) {
        this.timer = setTimeout(() => this.fire(), wait);
        return;
      }
      const n = faults.chunk && faults.chunk > 0 ? faults.chunk : head.data.length;
      let piece = head.data;
      if (n < head.data.length) {
        piece = head.data.subarray(0, n);
        head.data = head.data.subarray(n);
      } else {
        this.queue.shift();
      }
      this.queued -= piece.length;
      if (this.up) this.proxy.stats.bytesUp += piece.length;
      else this.proxy.stats.bytesDown += piece.length;
      const more = this.dst.write(piece);
      if (this.queued <= HIGH_WATER && this.src.isPaused()) this.src.resume();
      if (!more) {
        this.waitingDrain = true;
        this.dst.once('drain', () => {
          this.waitingDrain = false;
          this.pump();
        });
        return;
      }
      if (faults.chunk && faults.chunk > 0 && this.queue.length > 0) {
        // Yield between pieces so they leave as separate segments (Nagle is off).
        this.timer = setTimeout(() => this.fire(), 0);
        return;
      }
    }
    if (this.ended && !this.dst.destroyed) this.dst.end();
  }

  fire(): void {
    this.timer = null;
    this.pump();
  }

  // Pumps now instead of at the pending timer: a stall poll, say, need not run out first.
  kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.fire();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    this.queued = 0;
  }
}

interface Link {
  client: net.Socket;
  upstream: net.Socket;
  up: Pipe;
  down: Pipe;
  cutTimer: NodeJS.Timeout | null;
}

export class FaultProxy {
  faults: Faults;
  stats = { connections: 0, cuts: 0, bytesUp: 0, bytesDown: 0 };
  private readonly links = new Set<Link>();
  private readonly server: net.Server;
  private readonly random: () => number;

  constructor(
    readonly targetHost: string,
    readonly targetPort: number,
    faults?: Faults,
  ) {
    this.faults = Object.assign({}, faults);
    this.random = prng(this.faults.seed === undefined ? 1 : this.faults.seed);
    this.server = net.createServer({ noDelay: true }, (client) => this.accept(client));
  }

  listen(port?: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port || 0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  stall(on: boolean): void {
    this.faults.stall = on;
    if (on) return;
    for (const link of this.links) {
      link.up.kick();
      link.down.kick();
    }
  }

  cutAll(): void {
    for (const link of Array.from(this.links)) this.cut(link);
  }

  close(): Promise<void> {
    for (const link of Array.from(this.links)) this.destroy(link);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.stats.connections++;
    let connected = false;
    const upstream = net.connect({ host: this.targetHost, port: this.targetPort, noDelay: true });
    const link: Link = {
      client,
      upstream,
      up: new Pipe(this, client, upstream, true, () => connected),
      down: new Pipe(this, upstream, client, false, () => true),
      cutTimer: null,
    };
    this.links.add(link);
    client.setNoDelay(true);
    upstream.on('connect', () => {
      connected = true;
      link.up.pump();
    });
    client.on('data', (d: Buffer) => link.up.push(d));
    upstream.on('data', (d: Buffer) => link.down.push(d));
    client.on('end', () => {
      link.up.ended = true;
      link.up.pump();
    });
    upstream.on('end', () => {
      link.down.ended = true;
      link.down.pump();
    });
    // A socket error means the link is unusable: tear down both sides, like a real network would.
    client.on('error', () => this.destroy(link));
    upstream.on('error', () => this.destroy(link));
    client.on('close', () => this.closed(link, link.up));
    upstream.on('close', () => this.closed(link, link.down));
    const every = this.faults.dropEvery;
    if (every && every > 0) {
      const after = every * (0.5 + this.random());
      link.cutTimer = setTimeout(() => this.cut(link), after);
    }
  }

  // One side is gone: finish delivering what it sent before its FIN, otherwise drop the other.
  private closed(link: Link, from: Pipe): void {
    if (!from.ended || from.dst.destroyed) this.destroy(link);
    else if (from.queue.length === 0) from.dst.end();
    if (link.client.destroyed && link.upstream.destroyed) this.forget(link);
  }

  private cut(link: Link): void {
    if (!this.links.has(link)) return;
    this.stats.cuts++;
    this.destroy(link);
  }

  private destroy(link: Link): void {
    link.up.stop();
    link.down.stop();
    link.client.destroy();
    link.upstream.destroy();
    this.forget(link);
  }

  private forget(link: Link): void {
    if (link.cutTimer) clearTimeout(link.cutTimer);
    link.cutTimer = null;
    this.links.delete(link);
  }
}
