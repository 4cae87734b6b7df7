// The Node.js Platform: TCP through `net`, TLS through `tls`, timers from the event loop.
// It stays small on purpose: everything MQTT lives in src/.
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Platform, Transport, TransportSink } from '../src/client.js';

/** What both Node platforms (this one and node-lite-platform.ts) take. */
export interface NodeSocketOptions {
  /** trusted CA certificate(s), PEM; default: Node's bundled roots */
  ca?: string | Buffer | Array<string | Buffer>;
  /** client certificate and key for mutual TLS, PEM */
  cert?: string | Buffer; key?: string | Buffer;
  /** TLS SNI and the name the certificate is checked against; default: the host, unless an IP */
  servername?: string;
  /** verify the broker's certificate (default true; false only for experiments) */
  rejectUnauthorized?: boolean;
  /** default: host name, process id and a per-process counter, so simulated devices differ */
  deviceId?: string;
}

export interface NodePlatformOptions extends NodeSocketOptions {
  /** bytes the socket may hold unsent before the link is cut as congested (default 4 MiB);
   *  below it Node buffers what the kernel does not take yet */
  maxWriteBacklog?: number;
}

let instances = 0;

/** The option's id, or one unique to this host, process and platform instance. */
export function simulatedDeviceId(o: NodeSocketOptions): string {
  const n = instances++;
  return o.deviceId !== undefined ? o.deviceId
    : (os.hostname().replace(/[^0-9A-Za-z-]/g, '').slice(0, 24) || 'host') + '-' + process.pid + '-' + n;
}

/** A TCP or TLS socket to host:port, and "host:port" for messages. */
export function openSocket(host: string, port: number, secure: boolean, o: NodeSocketOptions): { socket: net.Socket; where: string } {
  const where = (host.indexOf(':') >= 0 ? '[' + host + ']' : host) + ':' + port;
  if (!secure) return { socket: net.connect({ host: host, port: port }), where: where };
  const servername = o.servername !== undefined ? o.servername : net.isIP(host) ? undefined : host;
  const socket = tls.connect({
    host: host, port: port, servername: servername, ca: o.ca, cert: o.cert, key: o.key,
    rejectUnauthorized: o.rejectUnauthorized !== false,
  });
  return { socket: socket, where: where };
}

/** FIN after what was written (the DISCONNECT); a peer that never closes its side is cut after 2 s. */
export function closeAfterWrites(s: net.Socket): void {
  if (s.connecting || s.destroyed) { s.destroy(); return; }
  s.end();
  const t = setTimeout(() => s.destroy(), 2000);
  t.unref();
  s.once('close', () => clearTimeout(t));
}

export function describe(err: NodeJS.ErrnoException, secure: boolean, where: string): string {
  const msg = String(err.message).trim();
  const code = err.code && msg.indexOf(err.code) < 0 ? ' (' + err.code + ')' : '';
  // Certificate problems surface as plain errors with codes like SELF_SIGNED_CERT_IN_CHAIN:
  // say "TLS" so the reader knows where to look.
  const tlsish = secure && /CERT|SSL|TLS|ALERT|HANDSHAKE|certificate|handshake|ssl|tls/.test((err.code || '') + ' ' + msg);
  return (tlsish ? 'TLS connection to ' : 'connection to ') + where + ' failed: ' + msg + code;
}

// Writes are coalesced: the client hands over one packet per write(), often hundreds in one
// event-loop turn (a QoS 0 burst), and one socket.write per packet (one send syscall each, with
// setNoDelay, plus a Buffer per packet) cost more CPU than all of src/. So write() appends to a
// per-transport pending Buffer and one socket.write per turn flushes it, from setImmediate: it
// runs in the same loop iteration as the I/O or timer callback that wrote (no added wait), and
// also merges what several callbacks of one poll phase wrote (e.g. PUBACKs for a run of
// incoming messages). Measured against process.nextTick and cork()/uncork() on nextTick
// (200 000 QoS 0 publishes to a byte-counting socket): setImmediate 0.38-0.48 µs CPU per
// message, nextTick 0.42-0.49, cork 0.65-0.70; one write per packet, as before, 2.1-2.7.
// The pending Buffer is allocated per turn (sized from the previous turn, so an idle device
// holds nothing) and handed to the socket, which keeps it until the kernel took it.

/** Smallest pending Buffer; Node serves allocations this small from its shared slab. */
const MIN_CHUNK = 256;
/** A turn that produced more than this is written in chunks of this size: bounds the copy made
 *  when the pending Buffer grows. */
const MAX_CHUNK = 64 * 1024;
/** Default bound on bytes the socket may hold unsent (see NodePlatformOptions.maxWriteBacklog). */
const DEFAULT_BACKLOG = 4 * 1024 * 1024;

class NodeTransport implements Transport {
  private socket: net.Socket;
  private closing: boolean;
  private where: string;
  private maxBacklog: number;
  private pend: Buffer | null;
  private pendLen: number;
  private nextSize: number;
  private scheduled: boolean;
  private flushFn: () => void;
  private error: string;

  constructor(socket: net.Socket, secure: boolean, where: string, sink: TransportSink, maxBacklog: number) {
    this.socket = socket;
    this.closing = false;
    this.where = where;
    this.maxBacklog = maxBacklog;
    this.pend = null;
    this.pendLen = 0;
    this.nextSize = MIN_CHUNK;
    this.scheduled = false;
    this.flushFn = () => { this.scheduled = false; this.flush(); };
    this.error = '';
    socket.setNoDelay(true);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      if (!this.closing) sink.onOpen();
    });
    socket.on('data', (chunk: Buffer) => {
      if (!this.closing) sink.onData(chunk, 0, chunk.length);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!this.error) this.error = describe(err, secure, where);
    });
    socket.on('close', () => {
      if (this.closing) return;
      sink.onClose(this.error || 'connection to ' + where + ' closed by the broker');
    });
  }

  write(buf: Uint8Array, start: number, end: number): void {
    if (this.closing || this.socket.destroyed) return;
    const n = end - start;
    if (n <= 0) return;
    let p = this.pend;
    let len = this.pendLen;
    if (p === null || len + n > p.length) {
      if (p !== null && len + n > MAX_CHUNK) {
        this.flush();          // a full chunk goes now; order is kept, the socket queues in order
        if (this.socket.destroyed) return;
        p = null;
        len = 0;
      }
      let size = p === null ? this.nextSize : p.length * 2;
      while (size < len + n) size *= 2;
      // the socket keeps what it is given until the kernel took it, so a new Buffer per turn,
      // never one reused while it may still be queued
      const q = Buffer.allocUnsafe(size);
      if (p !== null) p.copy(q, 0, 0, len);
      p = q;
      this.pend = q;
      this.pendLen = len;
    }
    if (n <= 64) {
      // a byte loop beats creating a subarray view for the usual small packet
      for (let i = 0; i < n; i++) p[len + i] = buf[start + i];
    } else {
      p.set(buf.subarray(start, end), len);
    }
    this.pendLen = len + n;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushFn);
    }
  }

  /** Hands the pending bytes to the socket as one write. */
  private flush(): void {
    const p = this.pend;
    if (p === null) return;
    const len = this.pendLen;
    this.pend = null;
    this.pendLen = 0;
    // next turn starts at what this one needed, so a steady burst does not regrow every turn
    let size = MIN_CHUNK;
    while (size < len && size < MAX_CHUNK) size *= 2;
    this.nextSize = size;
    const s = this.socket;
    if (s.destroyed || len === 0) return;
    s.write(len === p.length ? p : p.subarray(0, len));
    if (s.writableLength > this.maxBacklog && !this.closing) {
      // The broker (or the path to it) does not read what we send. Node would buffer without
      // limit; a simulated device that keeps publishing must not eat the host's memory. Cut the
      // link: the client reports it and reconnects; QoS 1 is resent from its outbox, QoS 0 lost.
      this.error = 'connection to ' + this.where + ' dropped: ' + s.writableLength +
        ' bytes waiting to be sent, more than the ' + this.maxBacklog + ' allowed (the broker is not reading)';
      s.destroy();
    }
  }

  close(): void {
    if (this.closing) return;
    // what was written before close() (the DISCONNECT) goes out before the FIN
    this.flush();
    this.closing = true;
    closeAfterWrites(this.socket);
  }
}

export class NodePlatform implements Platform {
  private options: NodePlatformOptions;
  private id: string;

  constructor(options?: NodePlatformOptions) {
    this.options = options || {};
    this.id = simulatedDeviceId(this.options);
  }

  connect(host: string, port: number, secure: boolean, sink: TransportSink): Transport {
    const { socket, where } = openSocket(host, port, secure, this.options);
    const backlog = this.options.maxWriteBacklog;
    return new NodeTransport(socket, secure, where, sink, backlog !== undefined && backlog > 0 ? backlog : DEFAULT_BACKLOG);
  }

  now(): number { return performance.now(); }

  setTimer(ms: number, fn: () => void): unknown { return setTimeout(fn, ms); }

  clearTimer(handle: unknown): void { clearTimeout(handle as NodeJS.Timeout); }

  deviceId(): string { return this.id; }
}

export function createNodePlatform(options?: NodePlatformOptions): NodePlatform {
  return new NodePlatform(options);
}
