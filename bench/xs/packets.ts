// Incoming packets for the XS workloads, built once at load time (not metered).
import { encodePublish } from '../../src/codec/encode.js';

export const CONNACK = new Uint8Array([0x20, 2, 0, 0]);
export const PINGRESP = new Uint8Array([0xd0, 0]);
export const TOPIC = 'temp';
export const PAYLOAD16 = new Uint8Array(16);
for (let i = 0; i < 16; i++) PAYLOAD16[i] = 0x30 + (i % 10);

export function incomingPublish(payloadBytes: number): Uint8Array {
  const p = new Uint8Array(payloadBytes);
  for (let i = 0; i < payloadBytes; i++) p[i] = 0x41 + (i % 26);
  const b = new Uint8Array(encodePublish(null, 0, TOPIC, p, 0, false, false, 0));
  encodePublish(b, 0, TOPIC, p, 0, false, false, 0);
  return b;
}
export const IN16 = incomingPublish(16);
export const IN1K = incomingPublish(1024);
// One PUBACK rewritten in place per use, so acknowledging allocates nothing.
export const PUBACK = new Uint8Array([0x40, 2, 0, 0]);
export function setPubackId(id: number): void { PUBACK[2] = id >> 8; PUBACK[3] = id & 0xff; }
// Big enough for the 1 KB message plus headers; the default 1 KB would drop it as oversize.
export const RECEIVE_BUFFER = 2048;
export const KEEPALIVE = 60;
