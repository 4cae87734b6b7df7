// What the runner needs from a client: build it from the case's options over the scripted
// network, and make the application's calls. Each driver records the client's callbacks in the
// transcript in the same words (topics and payloads as bytes, errors as "CODE: message").
import type { Call, CaseOptions, ClientKey } from './types.js';
import type { Net } from './net.js';

export interface ClientUnderTest {
  /** Makes the call; returns what publish/subscribe/unsubscribe returned (undefined for connect/end). */
  call(c: Call): string | undefined;
}

export interface Driver {
  key: ClientKey;
  name: string;
  /** `after(callback)` runs the application's reactions once the callback has been recorded. */
  start(o: CaseOptions, net: Net, after: (on: string) => void): ClientUnderTest;
}

/** Thrown by a driver for an option or call its client has no API for (a documented difference). */
export class Unsupported {
  what: string;
  constructor(what: string) { this.what = what; }
  toString(): string { return 'unsupported: ' + this.what; }
}

export const DEFAULT_URL = 'mqtt://broker.test';
export const DEFAULT_CLIENT_ID = 'dev1';
