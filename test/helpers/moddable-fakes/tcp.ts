// Fake of ECMA-419 `embedded:io/socket/tcp` as Moddable implements it, with the far end scripted
// by the test through the FakePeer each socket registers in `tcpState.peers`.
// - No connect event: the connection is up when onWritable(bytes) first fires.
// - `bytes` in onWritable is the whole budget writable now; write() throws when given more.
// - onReadable(bytes) tells how many bytes are waiting; read(n) returns an ArrayBuffer of at most n;
//   read(view) fills exactly view.byteLength bytes and throws "invalid" when fewer are waiting.
// - A refused/reset/remotely closed connection is reported through onError, after which the owner
//   closes the socket. After close() no callback fires and read()/write() throw.
// - Callbacks are called with `this` set to the socket, and options.target is copied to
//   socket.target (modules/io/common/builtinCommon.c builtinInitializeTarget).
// Every callback runs from the manual clock (never inside the call that caused it).
import { clock, schedule } from './clock.js';

type Callback = (this: TCP, arg?: number) => void;
interface Options {
  address?: string; host?: string; port?: number; format?: string; target?: unknown;
  onReadable?: Callback; onWritable?: Callback; onError?: Callback;
}

export const tcpState = {
  peers: [] as FakePeer[],
  connectDelay: 1,          // ms until the connection opens (or is refused)
  initialWritable: 1460,    // budget announced by the first onWritable
  refuse: false,            // refuse the next connections
  writeThrows: 0,           // write() calls that threw (the adapter must never cause one)
};

export class FakePeer {
  socket: TCP;
  address: string;
  port: number;
  state = 'connecting';      // connecting, open, error, closed
  received: number[] = [];   // every byte the client wrote, in order
  writable = 0;
  inbox: number[] = [];
  openedAt = -1;
  closedAt = -1;             // clock time of the client's close()
  constructor(socket: TCP, address: string, port: number) {
    this.socket = socket;
    this.address = address;
    this.port = port;
  }
  private fire(name: 'onReadable' | 'onWritable' | 'onError', arg?: number): void {
    const self = this;
    schedule(function () {
      if (self.state === 'closed') return;
      const cb = self.socket.options[name];
      if (typeof cb === 'function') cb.call(self.socket, arg);
    }, 0, 0, null);
  }
  open(budget: number): void {
    if (this.state !== 'connecting') return;
    this.state = 'open';
    this.openedAt = clock.now;
    this.writable = budget;
    this.fire('onWritable', budget);
  }
  /** Bytes from the broker. */
  send(bytes: ArrayLike<number>): void {
    if (this.state !== 'open') throw new Error('fake peer: send on a ' + this.state + ' connection');
    for (let i = 0; i < bytes.length; i++) this.inbox.push(bytes[i]);
    this.fire('onReadable', this.inbox.length);
  }
  /** The network took bytes: the client may write `budget` bytes now. */
  drain(budget: number): void {
    if (this.state !== 'open') return;
    this.writable = budget;
    this.fire('onWritable', budget);
  }
  /** Connection reset, refused, or closed by the broker: all look like onError to the client. */
  fail(): void {
    if (this.state === 'closed' || this.state === 'error') return;
    this.state = 'error';
    this.fire('onError');
  }
}

export default class TCP {
  options: Options;
  peer: FakePeer;
  target?: unknown;
  constructor(options: Options) {
    if (!options || typeof options.port !== 'number') throw new TypeError('TCP: port required');
    const address = options.address || options.host;
    if (typeof address !== 'string') throw new TypeError('TCP: address or host required');
    if (options.format !== undefined && options.format !== 'buffer' && options.format !== 'number') throw new RangeError('TCP: bad format');
    this.options = options;
    if ('target' in options) this.target = options.target;
    const peer = new FakePeer(this, address, options.port);
    this.peer = peer;
    tcpState.peers.push(peer);
    const refuse = tcpState.refuse, budget = tcpState.initialWritable;
    schedule(function () { if (refuse) peer.fail(); else peer.open(budget); }, tcpState.connectDelay, 0, null);
  }
  get format(): string { return this.options.format || 'buffer'; }
  read(count?: number | Uint8Array): ArrayBuffer | number | undefined {
    const p = this.peer;
    if (p.state === 'closed') throw new Error('TCP: read after close');
    if (!p.inbox.length) return undefined;
    if (this.format === 'number') return p.inbox.shift();
    if (typeof count === 'object') {
      // as modules/io/socket/*/tcp.c: the whole view, or an error
      if (count.length > p.inbox.length || count.length === 0) throw new Error('invalid');
      for (let i = 0; i < count.length; i++) count[i] = p.inbox[i];
      p.inbox.splice(0, count.length);
      return count.length;
    }
    const n = count === undefined || count > p.inbox.length ? p.inbox.length : count;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = p.inbox[i];
    p.inbox.splice(0, n);
    return out.buffer;
  }
  write(value: number | ArrayBuffer | ArrayBufferView): void {
    const p = this.peer;
    let bytes: Uint8Array;
    if (typeof value === 'number') bytes = new Uint8Array([value]);
    else if (value instanceof ArrayBuffer) bytes = new Uint8Array(value);
    else bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (p.state !== 'open' || bytes.length > p.writable) {
      tcpState.writeThrows++;
      throw new Error(p.state !== 'open' ? 'TCP: write on a ' + p.state + ' socket' : 'TCP: write of ' + bytes.length + ' bytes exceeds writable ' + p.writable);
    }
    p.writable -= bytes.length;
    // copied now, as lwIP does: the caller may reuse its buffer at once
    for (let i = 0; i < bytes.length; i++) p.received.push(bytes[i]);
  }
  close(): void {
    const p = this.peer;
    if (p.state === 'closed') return;
    p.state = 'closed';
    p.closedAt = clock.now;
  }
}

export function resetTcp(): void {
  tcpState.peers = [];
  tcpState.connectDelay = 1;
  tcpState.initialWritable = 1460;
  tcpState.refuse = false;
  tcpState.writeThrows = 0;
}
