// The shape of the conformance table (test/conformance/cases/*.ts): each case is data — options,
// then steps that play the application, the network, the broker and time, with `expect` steps
// that say what the client must have done since the previous one. Both drivers (MqttClient,
// LiteClient) run every case, each under several cuttings of the broker's byte stream.
import type { Bytes } from './wire.js';

export type ClientKey = 'mqtt' | 'lite';

/** Options both clients take (plus the MqttClient-only ones, which LiteClient's driver refuses). */
export interface CaseOptions {
  url?: string;                 // default mqtt://broker.test
  clientId?: string | null;     // default 'dev1'; null: leave it out (the client picks one)
  deviceId?: string;            // what the platform reports as the chip id
  keepalive?: number;
  username?: string; password?: string;
  will?: { topic: string; payload: string; qos: 0 | 1; retain: boolean };
  receiveBufferSize?: number; transmitBufferSize?: number; outboxSize?: number; maxInflight?: number;
  // MqttClient only
  clean?: boolean;
  servers?: string[];
  reconnect?: { min?: number; max?: number; jitter?: number };
  connectTimeout?: number;
  onPublished?: boolean;        // record onPublished in the transcript (MqttClient only)
}

export type Payload = string | Bytes;

/** An application call (directly as a step, or from inside a callback). */
export interface Call {
  call: 'connect' | 'end' | 'publish' | 'subscribe' | 'unsubscribe';
  topic?: string;               // publish topic, or (un)subscribe filter
  payload?: Payload;
  qos?: number;
  retain?: boolean;
  handler?: boolean;            // subscribe with a per-filter handler (MqttClient only)
  returns?: string;             // what publish/subscribe/unsubscribe must return
}

/** What the scripted broker does by itself for each new link it serves. */
export interface BrokerScript {
  throws?: string;              // platform.connect() itself throws an Error with this message
  refuse?: string;              // the TCP connection fails at once with this reason, never opens
  connack?: number;             // open, and answer CONNECT with this CONNACK code (default: stay silent)
  then?: Bytes | 'drop';        // after CONNACK: send these bytes, or drop the link
  after?: number;               // ms after CONNACK for `then` (default 0)
  ackAll?: boolean;             // PUBACK every QoS 1 PUBLISH, PINGRESP every PINGREQ
}

/** One expected observation; `at` = ms since the window began (an exact time or [lo, hi]). */
export interface Timed { e: string; at: number | [number, number] }
/** An observation only some clients make (see DIFFERENCES: a behaviour variant). */
export interface Variant { variant: string; yes: Entry[]; no: Entry[] }
export type Entry = string | Timed | Variant;

/** Statistics over the connection attempts (dials) of a window, for runs too long to list. */
export interface DialStats {
  count?: [number, number];     // dials in the window, inclusive bounds
  gaps?: [number, number][];    // ms from the end of the previous link to each dial of the window, in order
}

export interface Step {
  call?: Call;                  // the application calls the client
  open?: boolean;               // the link the client asked for opens
  send?: Bytes;                 // the broker sends these bytes on the current link (cut per pattern)
  drop?: string;                // the link dies from the far side ('' = no reason given)
  late?: Bytes | 'close';       // a link the client already closed still delivers these bytes, or its close event
  wait?: number;                // ms pass (timers fire at their due time)
  stall?: number;               // the engine is busy for ms: the clock jumps, then the timers due meanwhile fire, late
  untilDial?: number;           // time passes until the client dials again (at most this many ms, else the case fails)
  broker?: BrokerScript;        // the broker answers new links by itself (scripts queue up, each in turn)
  times?: number;               // … for this many links (default: every later one)
  on?: 'onConnect' | 'onMessage' | 'onError';
  react?: Call;                 // with `on`: the application makes this call inside that callback
  expect?: Entry[];             // exactly these observations since the last expect (order kept per channel)
  dials?: DialStats;            // with or instead of `expect`: dial statistics of the window
}

export interface Case {
  name: string;
  options?: CaseOptions;
  steps: Step[];
  /** DIFFERENCES keys: a client listed there as lacking the behaviour must still fail this case. */
  differs?: string[];
  /** The case fails today for this client; one line: what happens instead. The run requires it to still fail. */
  knownDefect?: { mqtt?: string; lite?: string };
}

/** A documented difference between the clients: README's comparison is generated from these. */
export interface Difference {
  key: string;
  what: string;                 // README row title
  MqttClient: string;
  LiteClient: string;
  why: string;
  /**
   * 'lite' / 'mqtt': that client lacks what the cases marked with this key expect (they must fail
   * for it); 'variant': both behaviours are specified, per client, by { variant: key } entries;
   * 'none': no case can show it (e.g. a type difference the drivers convert).
   */
  lacking: 'lite' | 'mqtt' | 'variant' | 'none';
  /** for 'variant': which clients take the `yes` branch */
  yes?: ClientKey[];
}
