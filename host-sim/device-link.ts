// One simulated device's network link: a wrapper around the shared platform (MqttClient's or
// LiteClient's; they differ only in what a write or a chunk carries) that lets host-sim cut or
// stall that one device, counts its connection attempts, and notices operating-system limits
// (EMFILE, EADDRNOTAVAIL…) in the reasons its links fail.
import { limitIn, type LimitHit } from './limits.js';

interface Sink<D> { onOpen(): void; onData(...chunk: D[]): void; onClose(reason?: string): void }
interface AnyPlatform<S, T> {
  connect(host: string, port: number, secure: boolean, sink: S, path?: string): T;
  now(): number; setTimer(ms: number, fn: () => void): unknown; clearTimer(h: unknown): void; deviceId?(): string;
  webSocket?: boolean;
}

// What a stalled link holds back, in order: a write to the broker, or an event for the client.
type Held = { kind: 'write'; args: unknown[] } | { kind: 'open' } | { kind: 'data'; args: unknown[] } | { kind: 'close'; reason?: string };

/** One connection attempt of the device, between the client and the real transport. */
class Link {
  closed = false; // the client closed it, or it was cut: nothing more reaches either side
  held: Held[] = [];
  constructor(readonly owner: DeviceLink, readonly sink: Sink<unknown>, public real: { write(...a: unknown[]): void; close?(): void; end?(): void } | null) {}

  // the client's side
  write(...args: unknown[]): void {
    if (this.closed || !this.real) return;
    // MqttClient reuses its buffer after write() returns: a held write keeps a copy
    if (this.owner.stalled) this.held.push({ kind: 'write', args: args[0] instanceof Uint8Array ? [(args[0] as Uint8Array).slice(args[1] as number, args[2] as number), 0, (args[2] as number) - (args[1] as number)] : args });
    else this.real.write(...args);
  }
  close(): void { this.shut(); }
  end(): void { this.shut(); }
  private shut(): void {
    if (this.closed) return;
    this.closed = true;
    this.held = [];
    this.owner.linkEnded(this);
    if (this.real) {
      if (this.real.close) this.real.close();
      else if (this.real.end) this.real.end();
    }
  }

  // the transport's side
  event(h: Held): void {
    if (this.closed) return;
    if (this.owner.stalled) { this.held.push(h); return; }
    this.deliver(h);
  }
  deliver(h: Held): void {
    if (this.closed) return;
    if (h.kind === 'write') { if (this.real) this.real.write(...h.args); return; }
    if (h.kind === 'open') this.sink.onOpen();
    else if (h.kind === 'data') this.sink.onData(...h.args);
    else {
      this.closed = true;
      this.owner.linkEnded(this);
      const l = limitIn(h.reason);
      if (l) this.owner.limitHit(l);
      this.sink.onClose(h.reason);
    }
  }
  release(): void {
    const held = this.held;
    this.held = [];
    for (const h of held) this.deliver(h);
  }
  /** Cut from outside: the transport closes, the client hears that its link failed. */
  cut(reason: string): void {
    if (this.closed) return;
    this.shut();
    this.sink.onClose(reason);
  }
}

export class DeviceLink {
  connects = 0; // connection attempts: the first and every retry
  stalled = false;
  private link: Link | null = null;

  constructor(private readonly hit: (l: LimitHit) => void) {}

  /** The platform the device's client gets: the shared one, seen through this device's link. */
  wrap<S extends Sink<any>, T>(p: AnyPlatform<S, T>): AnyPlatform<S, T> {
    const self = this;
    return {
      webSocket: p.webSocket,
      now: () => p.now(),
      setTimer: (ms, fn) => p.setTimer(ms, fn),
      clearTimer: (h) => p.clearTimer(h),
      deviceId: p.deviceId ? () => p.deviceId!() : undefined,
      connect(host: string, port: number, secure: boolean, sink: S, path?: string): T {
        self.connects++;
        const link = new Link(self, sink, null);
        self.link = link;
        const relay = {
          onOpen: () => link.event({ kind: 'open' }),
          onData: (...args: unknown[]) => link.event({ kind: 'data', args }),
          onClose: (reason?: string) => link.event({ kind: 'close', reason }),
        } as unknown as S;
        try {
          link.real = p.connect(host, port, secure, relay, path) as unknown as Link['real'];
        } catch (e) {
          const l = limitIn(String((e as Error).message || e) + ' ' + String((e as NodeJS.ErrnoException).code));
          if (l) self.hit(l);
          self.link = null;
          throw e;
        }
        return link as unknown as T;
      },
    };
  }

  /** Cuts the current link (if any) as a failed network would; the client reconnects. */
  cut(reason: string): boolean {
    const l = this.link;
    if (!l || l.closed) return false;
    l.cut(reason);
    return true;
  }

  /** Stall: nothing passes either way (new links too) until it is lifted; then all of it, in order. */
  stall(on: boolean): void {
    this.stalled = on;
    if (!on && this.link) this.link.release();
  }

  linkEnded(l: Link): void { if (this.link === l) this.link = null; }
  limitHit(l: LimitHit): void { this.hit(l); }
}
