// The Node.js Platform: TCP through `net`, TLS through `tls`, timers from the event loop.
// It stays small on purpose: everything MQTT lives in src/.
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Platform, Transport, TransportSink } from '../src/client.js';

export interface NodePlatformOptions {
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

let instances = 0;

function describe(err: NodeJS.ErrnoException, secure: boolean, where: string): string {
  const msg = String(err.message).trim();
  const code = err.code && msg.indexOf(err.code) < 0 ? ' (' + err.code + ')' : '';
  // Certificate problems surface as plain errors with codes like SELF_SIGNED_CERT_IN_CHAIN:
  // say "TLS" so the reader knows where to look.
  const tlsish = secure && /CERT|SSL|TLS|ALERT|HANDSHAKE|certificate|handshake|ssl|tls/.test((err.code || '') + ' ' + msg);
  return (tlsish ? 'TLS connection to ' : 'connection to ') + where + ' failed: ' + msg + code;
}

class NodeTransport implements Transport {
  private socket: net.Socket;
  private closing: boolean;

  constructor(socket: net.Socket, secure: boolean, where: string, sink: TransportSink) {
    this.socket = socket;
    this.closing = false;
    let error = '';
    let reported = false;
    socket.setNoDelay(true);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      if (!this.closing) sink.onOpen();
    });
    socket.on('data', (chunk: Buffer) => {
      if (!this.closing) sink.onData(chunk, 0, chunk.length);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!error) error = describe(err, secure, where);
    });
    socket.on('close', () => {
      if (reported || this.closing) return;
      reported = true;
      sink.onClose(error || 'connection to ' + where + ' closed by the broker');
    });
  }

  write(buf: Uint8Array, start: number, end: number): void {
    if (this.closing || this.socket.destroyed) return;
    // socket.write keeps a reference until the bytes are flushed, and the client reuses its
    // buffers at once: this copy is the adapter's cost.
    this.socket.write(Buffer.from(buf.subarray(start, end)));
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    const s = this.socket;
    if (s.connecting || s.destroyed) { s.destroy(); return; }
    // FIN after the queued bytes (the DISCONNECT); a peer that never closes its side is cut.
    s.end();
    const t = setTimeout(() => s.destroy(), 2000);
    t.unref();
    s.once('close', () => clearTimeout(t));
  }
}

export class NodePlatform implements Platform {
  private options: NodePlatformOptions;
  private id: string;

  constructor(options?: NodePlatformOptions) {
    this.options = options || {};
    const n = instances++;
    this.id = this.options.deviceId !== undefined ? this.options.deviceId
      : (os.hostname().replace(/[^0-9A-Za-z-]/g, '').slice(0, 24) || 'host') + '-' + process.pid + '-' + n;
  }

  connect(host: string, port: number, secure: boolean, sink: TransportSink): Transport {
    const where = (host.indexOf(':') >= 0 ? '[' + host + ']' : host) + ':' + port;
    let socket: net.Socket;
    if (secure) {
      const o = this.options;
      const servername = o.servername !== undefined ? o.servername : net.isIP(host) ? undefined : host;
      socket = tls.connect({
        host: host, port: port, servername: servername, ca: o.ca, cert: o.cert, key: o.key,
        rejectUnauthorized: o.rejectUnauthorized !== false,
      });
    } else {
      socket = net.connect({ host: host, port: port });
    }
    return new NodeTransport(socket, secure, where, sink);
  }

  now(): number { return performance.now(); }

  setTimer(ms: number, fn: () => void): unknown { return setTimeout(fn, ms); }

  clearTimer(handle: unknown): void { clearTimeout(handle as NodeJS.Timeout); }

  deviceId(): string { return this.id; }
}

export function createNodePlatform(options?: NodePlatformOptions): NodePlatform {
  return new NodePlatform(options);
}
