// A neutral subscriber for throughput runs: a bare socket that subscribes at QoS 0 and counts
// bytes. Every message in a run has the same size, so N messages = N × packet bytes; it costs
// next to nothing, so it slows none of the publishers it measures.
import net from 'node:net';

export class RawSubscriber {
  bytes = 0;
  private sock: net.Socket | null = null;
  private target = -1;
  private onTarget: (() => void) | null = null;

  static async open(port: number, topic: string): Promise<RawSubscriber> {
    const s = new RawSubscriber();
    await s.start(port, topic);
    return s;
  }

  private start(port: number, topic: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ port: port, host: '127.0.0.1', noDelay: true });
      this.sock = sock;
      const id = Buffer.from('bench-raw-' + process.pid);
      const connect = Buffer.concat([Buffer.from([0x10, 12 + id.length, 0, 4, 77, 81, 84, 84, 4, 2, 0, 60, 0, id.length]), id]);
      const t = Buffer.from(topic);
      const subscribe = Buffer.concat([Buffer.from([0x82, 5 + t.length, 0, 1, 0, t.length]), t, Buffer.from([0])]);
      let handshake = Buffer.alloc(0);
      let ready = false;
      const timer = setTimeout(() => reject(new Error('raw subscriber: no SUBACK')), 5000);
      sock.on('connect', () => sock.write(Buffer.concat([connect, subscribe])));
      sock.on('error', (e) => { clearTimeout(timer); reject(e); });
      sock.on('data', (d: Buffer) => {
        if (!ready) {
          handshake = Buffer.concat([handshake, d]);
          // CONNACK (4 bytes) then SUBACK (5 bytes)
          if (handshake.length < 9) return;
          ready = true;
          clearTimeout(timer);
          this.bytes = handshake.length - 9;
          resolve();
          return;
        }
        this.bytes += d.length;
        if (this.target >= 0 && this.bytes >= this.target && this.onTarget) { const f = this.onTarget; this.onTarget = null; f(); }
      });
    });
  }

  /** Resolves when `bytes` total have arrived since reset(); rejects after timeoutMs. */
  waitFor(bytes: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.bytes >= bytes) { resolve(); return; }
      const t = setTimeout(() => { this.onTarget = null; reject(new Error('subscriber got ' + this.bytes + ' of ' + bytes + ' bytes')); }, timeoutMs);
      this.target = bytes;
      this.onTarget = () => { clearTimeout(t); resolve(); };
    });
  }
  reset(): void { this.bytes = 0; this.target = -1; }
  close(): void { if (this.sock) this.sock.destroy(); }
}
