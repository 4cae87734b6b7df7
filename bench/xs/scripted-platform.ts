// A Platform for metering the client in XS: the clock is set by hand, timers sit in fixed slots
// and fire when the bench says so, writes are counted and not stored. Nothing here allocates per
// call (a timer handle is a slot number), so whatever the meter shows belongs to the client.
import type { Platform, Transport, TransportSink } from '../../src/client.js';

const SLOTS = 16;

export class ScriptedPlatform implements Platform {
  clock = 1000;
  sink: TransportSink | null = null;
  writes = 0; bytesOut = 0; pingreqs = 0; publishes = 0; connects = 0; subscribes = 0;
  lastSubscribeId = 0;
  private at: number[] = [];
  private fns: ((() => void) | null)[] = [];
  private transport: Transport;

  constructor() {
    for (let i = 0; i < SLOTS; i++) { this.at.push(0); this.fns.push(null); }
    const self = this;
    this.transport = {
      write: function (buf: Uint8Array, start: number, end: number): void {
        self.writes++;
        self.bytesOut += end - start;
        const t = buf[start] >> 4;
        if (t === 12) self.pingreqs++;
        else if (t === 3) self.publishes++;
        else if (t === 1) self.connects++;
        else if (t === 8) {
          self.subscribes++;
          // fixed header is 2 bytes for any SUBSCRIBE this bench sends
          self.lastSubscribeId = (buf[start + 2] << 8) | buf[start + 3];
        }
      },
      close: function (): void { self.sink = null; },
    };
  }

  connect(host: string, port: number, secure: boolean, sink: TransportSink): Transport {
    this.sink = sink;
    return this.transport;
  }
  now(): number { return this.clock; }
  setTimer(ms: number, fn: () => void): unknown {
    for (let i = 0; i < SLOTS; i++) {
      if (this.fns[i] === null) { this.fns[i] = fn; this.at[i] = this.clock + ms; return i + 1; }
    }
    throw new Error('scripted platform: more than ' + SLOTS + ' timers pending');
  }
  clearTimer(handle: unknown): void {
    const i = (handle as number) - 1;
    if (i >= 0 && i < SLOTS) this.fns[i] = null;
  }
  /** Fires every timer due at the current clock (including ones they set that are due). */
  runDue(): number {
    let fired = 0;
    for (let round = 0; round < 8; round++) {
      let any = false;
      for (let i = 0; i < SLOTS; i++) {
        const fn = this.fns[i];
        if (fn !== null && this.at[i] <= this.clock) { this.fns[i] = null; fired++; any = true; fn(); }
      }
      if (!any) break;
    }
    return fired;
  }
  deliver(p: Uint8Array): void {
    if (this.sink) this.sink.onData(p, 0, p.length);
  }
}
