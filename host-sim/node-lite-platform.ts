// The Node.js LitePlatform: the lite client (src/lite/client.ts) on node:net / node:tls.
// The lite client speaks byte strings (one char = one byte); latin1 maps bytes 0-255 to chars
// 0-255 and back, so the socket does the conversion both ways. Reasons given to sink.onClose
// are worded like host-sim/node-platform.ts's, so both clients report the same failures alike.
import type net from 'node:net';
import type { LitePlatform, LiteSink, LiteTransport } from '../src/lite/types.js';
import { closeAfterWrites, describe, openSocket, simulatedDeviceId, type NodeSocketOptions } from './node-platform.js';

export type NodeLitePlatformOptions = NodeSocketOptions;

class NodeLiteTransport implements LiteTransport {
  private closed = false;
  private error = '';
  // The client writes one packet per write(), often hundreds in one event-loop turn (a fleet's
  // readings, an outbox resent after a reconnect); one socket.write per turn costs far less.
  private queued: string[] = [];
  private flushing = false;
  private readonly flushFn = (): void => this.flush();

  constructor(private readonly socket: net.Socket, secure: boolean, where: string, sink: LiteSink) {
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    // Once end() was called the client has moved on (maybe to a newer transport): nothing
    // from this socket may reach it any more.
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      if (!this.closed) sink.onOpen();
    });
    socket.on('data', (chunk: string) => {
      if (!this.closed) sink.onData(chunk);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!this.error) this.error = describe(err, secure, where);
    });
    socket.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      sink.onClose(this.error || 'connection to ' + where + ' closed by the broker');
    });
  }

  write(data: string): void {
    if (this.closed || this.socket.destroyed || data.length === 0) return;
    this.queued.push(data);
    if (!this.flushing) { this.flushing = true; setImmediate(this.flushFn); }
  }

  private flush(): void {
    this.flushing = false;
    if (this.queued.length === 0) return;
    const data = this.queued.length === 1 ? this.queued[0] : this.queued.join('');
    this.queued.length = 0;
    if (!this.socket.destroyed) this.socket.write(data, 'latin1');
  }

  end(): void {
    if (this.closed) return;
    this.flush(); // what the client wrote before end() (its DISCONNECT) still goes out
    this.closed = true;
    closeAfterWrites(this.socket);
  }
}

export class NodeLitePlatform implements LitePlatform {
  private readonly options: NodeLitePlatformOptions;
  private readonly id: string;

  constructor(options?: NodeLitePlatformOptions) {
    this.options = options || {};
    this.id = simulatedDeviceId(this.options);
  }

  connect(host: string, port: number, secure: boolean, sink: LiteSink): LiteTransport {
    const { socket, where } = openSocket(host, port, secure, this.options);
    return new NodeLiteTransport(socket, secure, where, sink);
  }

  now(): number { return Date.now(); }

  setTimer(ms: number, fn: () => void): unknown { return setTimeout(fn, ms); }

  clearTimer(handle: unknown): void { clearTimeout(handle as NodeJS.Timeout); }

  deviceId(): string { return this.id; }
}

export function createNodeLitePlatform(options?: NodeLitePlatformOptions): NodeLitePlatform {
  return new NodeLitePlatform(options);
}
