// Loads the lite client (src/lite/client.ts, the client the Espruino build ships) on its Node
// platform (host-sim/node-lite-platform.ts) for the Node benchmarks, as ours.ts does the core one.
import type { LiteClient } from '../src/lite/client.js';
import type { LiteOptions } from '../src/lite/types.js';

export type { LiteClient };

/** The name of its row/column in the tables, and the key of its runs. */
export const LITE = 'LiteClient';
export const LITE_LABEL = 'mcu-mqtt LiteClient (Espruino\'s client) on Node';

export type LiteMake = (o: Omit<LiteOptions, 'platform'>, onData?: (d: string) => void) => LiteClient;

/** A fresh platform per client. `onData`, if given, sees every chunk from the broker after the
 * client handled it: the lite client has no per-PUBACK callback, and the QoS 1 runs need one. */
export async function liteFactory(): Promise<LiteMake> {
  const { LiteClient } = await import('../src/lite/client.js');
  const { createNodeLitePlatform } = await import('../host-sim/node-lite-platform.js');
  return (o, onData) => {
    const platform = createNodeLitePlatform();
    if (onData) {
      const connect = platform.connect.bind(platform);
      platform.connect = (host, port, secure, sink) => connect(host, port, secure, {
        onOpen: () => sink.onOpen(),
        onData: (d) => { sink.onData(d); onData(d); },
        onClose: (why) => sink.onClose(why),
      });
    }
    return new LiteClient(Object.assign({ platform: platform }, o));
  };
}

/** Connects a lite client; resolves once CONNACK arrived. It retries by itself after a failure,
 * so the first error rejects and ends it. */
export function connectLite(c: LiteClient, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => { clearTimeout(t); c.end(); reject(new Error('lite client: ' + why)); };
    const t = setTimeout(() => fail('no CONNACK within ' + timeoutMs + ' ms'), timeoutMs);
    c.onConnect = () => { clearTimeout(t); resolve(); };
    c.onError = (e) => { if (!c.connected) fail(String(e)); };
    c.connect();
  });
}
