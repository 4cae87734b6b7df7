// Loads our client and the Node platform (host-sim/node-platform.ts) for the Node benchmarks.
import type { MqttClient as Client, ClientOptions } from '../src/client.js';

export type { Client };

/** The platform our client runs on in the Node benchmarks, for the method notes. */
export const platformModule = 'host-sim/node-platform.ts';

/** A fresh platform per client. Loaded on first use: fleet-child.ts measures other libraries
 * in processes that should not hold our code. */
export async function clientFactory(): Promise<(o: Omit<ClientOptions, 'platform'>) => Client> {
  const { MqttClient } = await import('../src/client.js');
  const { createNodePlatform } = await import('../host-sim/node-platform.js');
  return (o) => new MqttClient(Object.assign({ platform: createNodePlatform() }, o) as ClientOptions);
}

/** Connects one of our clients; resolves once CONNACK arrived. */
export function connectOurs(c: Client, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('our client did not connect within ' + timeoutMs + ' ms')), timeoutMs);
    c.onConnect = () => { clearTimeout(t); resolve(); };
    c.onError = (e) => { if (!c.connected) { clearTimeout(t); reject(new Error(String(e))); } };
    c.connect();
  });
}
