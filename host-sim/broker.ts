// The embedded broker of `npm start`: aedes on 127.0.0.1, on 1883 when it is free, otherwise on
// any free port (a developer machine often already runs a mosquitto on 1883). It also takes
// byte streams from elsewhere (MQTT over WebSocket, from the dashboard server) and can be
// restarted in place (the dashboard's "restart broker": every link drops, state is lost, the
// ports stay).
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes } from 'aedes';

export interface EmbeddedBroker {
  port: number;
  url: string;
  preferredTaken: boolean; // 1883 was in use, so another port was chosen
  aedes: Aedes; // the broker itself (the current one after a restart), for tests that hook its events
  restarts: number;
  /** Every message the broker accepts, with its publisher's client id (null: the broker's own, e.g. $SYS). */
  onPublish(listener: (topic: string, payload: string, clientId: string | null) => void): void;
  /** Serves MQTT on a stream that arrived another way (a WebSocket). */
  handle(stream: Duplex): void;
  /** Drops every connection and starts a fresh broker (nothing retained, no sessions) on the same ports. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (e: Error) => reject(e);
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

// concurrency 0: no cap on messages in flight inside the broker. With aedes' default cap (100)
// the excess waits in mqemitter's queue, and mqemitter drains that queue by recursion: each
// queued message with no subscriber waiting on a socket completes synchronously and starts the
// next one. A fleet that stops at once queues two messages per device (its `offline` status
// and aedes' $SYS disconnect notice) behind the watcher's full socket, and from ~3 000 devices
// the drain overflowed the stack (RangeError through mqemitter's released/_do). Without a cap
// nothing is queued, so nothing recurses; and one slow watcher (a dashboard tab in the
// background) can no longer hold every device's PUBACKs hostage, which the cap did. A frozen
// reader is still cut by aedes' drainTimeout, so its backlog cannot grow without end.
const AEDES_OPTIONS = { concurrency: 0 };

export async function startEmbeddedBroker(preferred = 1883): Promise<EmbeddedBroker> {
  let broker = await Aedes.createBroker(AEDES_OPTIONS);
  const listeners: ((topic: string, payload: string, clientId: string | null) => void)[] = [];
  const hook = (b: Aedes) => {
    b.on('publish', (packet, client) => {
      if (listeners.length === 0) return;
      const p = packet.payload as Buffer | string;
      const text = typeof p === 'string' ? p : p.toString('utf8');
      for (const l of listeners) l(packet.topic, text, client ? client.id : null);
    });
  };
  hook(broker);
  const conns = new Set<Duplex>();
  const handle = (s: Duplex) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
    s.on('error', () => undefined); // a device vanishing mid-packet is normal in a simulation
    broker.handle(s);
  };
  const server = net.createServer(handle);
  let port: number;
  let preferredTaken = false;
  try {
    port = await listen(server, preferred);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' && (e as NodeJS.ErrnoException).code !== 'EACCES') throw e;
    preferredTaken = true;
    port = await listen(server, 0);
  }
  let closed = false;
  const dropAll = () => {
    for (const s of conns) s.destroy();
    conns.clear();
  };
  const result: EmbeddedBroker = {
    port,
    url: 'mqtt://127.0.0.1:' + port,
    preferredTaken,
    aedes: broker,
    restarts: 0,
    onPublish(listener) {
      listeners.push(listener);
    },
    handle,
    async restart() {
      if (closed) return;
      const old = broker;
      dropAll();
      await new Promise<void>((r) => old.close(() => r()));
      broker = await Aedes.createBroker(AEDES_OPTIONS);
      hook(broker);
      result.aedes = broker;
      result.restarts++;
    },
    async close() {
      if (closed) return;
      closed = true;
      dropAll();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => broker.close(() => r()));
    },
  };
  return result;
}
