// Loads our client and the Node platform (host-sim/node-platform.ts) for the Node benchmarks.
import type { MqttClient as Client, Platform, ClientOptions } from '../src/client.js';

export type { Client };

/** Which platform module the last nodePlatform() call found, for the method notes. */
export let platformModule = '';

// Paths in variables: the platform lands while this is being written; a missing one must be a
// benchmark note, not a compile error.
const NODE_PLATFORM = '../host-sim/node-platform.js';
const STUB_PLATFORM = '../host-sim/stub-platform.js';

export async function nodePlatform(): Promise<() => Platform> {
  let m: Record<string, unknown>;
  try { m = (await import(NODE_PLATFORM)) as Record<string, unknown>; platformModule = 'host-sim/node-platform.ts'; }
  catch (e) { m = (await import(STUB_PLATFORM)) as Record<string, unknown>; platformModule = 'host-sim/stub-platform.ts (node-platform.ts did not exist yet)'; }
  for (const name of ['createNodePlatform', 'nodePlatform', 'NodePlatform', 'default', 'createStubPlatform']) {
    const v = m[name];
    if (typeof v === 'function') {
      // a class or a factory; either way a fresh platform per client
      return () => {
        try { return (v as () => Platform)(); } catch (e) { return new (v as new () => Platform)(); }
      };
    }
    if (v && typeof v === 'object' && typeof (v as Platform).connect === 'function') return () => v as Platform;
  }
  throw new Error('host-sim/node-platform.js exports no platform (looked for createNodePlatform, nodePlatform, NodePlatform, default)');
}

export async function clientFactory(): Promise<(o: Omit<ClientOptions, 'platform'>) => Client> {
  const { MqttClient } = await import('../src/client.js');
  const platform = await nodePlatform();
  return (o) => new MqttClient(Object.assign({ platform: platform() }, o) as ClientOptions);
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
