// The outbox: one preallocated byte ring holding encoded QoS 1 PUBLISH packets in the order they
// were published, plus the in-flight table (fixed typed arrays) for the ones admitted to the window.
//
// The ring describes itself, so queued messages need no table: every stored packet carries its
// length (remaining length) and its packet id, and its first byte tells its status:
//   0x3X  a live PUBLISH (in flight or queued)
//   0x01  acknowledged, waiting for the packets before it to be acknowledged too (tombstone)
//   0x00  (at the old tail) "the rest of the ring is unused, continue at offset 0"
// A packet is never split across the end of the ring, so it can be written to a socket in one
// piece straight from here. Ring order is: tombstones / in-flight ... then queued.
// Space is reclaimed from the oldest end only. Brokers acknowledge QoS 1 in order (MQTT-4.6.0-2),
// so that is enough; a message a broker never acknowledges holds the space behind it until the
// next link resends it (no compaction: it would cost code and time for a broker bug).
// The in-flight table has no deadline column: nothing is retransmitted on a timer.
import { setDup } from '../codec/encode.js';

const TOMBSTONE = 0x01;
const WRAP = 0x00;

export class Outbox {
  readonly buf: Uint8Array;
  private head: number; // offset of the oldest stored packet
  private tail: number; // where the next packet goes
  private stored: number; // packets in the ring, tombstones included
  private queueHead: number; // offset of the oldest queued (not yet admitted) packet
  backlog: number; // queued packets, not yet admitted to the window

  // In-flight table, in admission order (= ring order). Entries [0, sendIndex) have been handed
  // to the transport on the current link; [sendIndex, inflight) still have to be.
  readonly ids: Uint16Array;
  readonly offs: Int32Array;
  readonly lens: Int32Array;
  inflight: number;
  sendIndex: number;

  constructor(size: number, window: number) {
    this.buf = new Uint8Array(size);
    this.head = 0; this.tail = 0; this.stored = 0; this.queueHead = 0; this.backlog = 0;
    this.ids = new Uint16Array(window);
    this.offs = new Int32Array(window);
    this.lens = new Int32Array(window);
    this.inflight = 0; this.sendIndex = 0;
  }

  // Offset where a packet of len bytes can be written now, or -1 when there is no room.
  // Nothing is committed until append().
  reserve(len: number): number {
    const size = this.buf.length;
    if (len > size) return -1;
    if (this.stored === 0) { this.head = 0; this.tail = 0; return 0; }
    const head = this.head, tail = this.tail;
    if (tail > head) {
      if (tail + len <= size) return tail;
      return len <= head ? 0 : -1;
    }
    // wrapped (tail < head) or full (tail === head)
    return tail + len <= head ? tail : -1;
  }

  // Records the packet just encoded at off (from reserve()) as the newest queued one.
  append(off: number, len: number): void {
    if (off === 0 && this.tail !== 0 && this.stored > 0 && this.tail < this.buf.length) this.buf[this.tail] = WRAP;
    this.tail = off + len;
    if (this.backlog === 0) this.queueHead = off;
    this.backlog++;
    this.stored++;
  }

  // Moves the oldest queued packet into the window (unsent). False when none or window full.
  admit(): boolean {
    if (this.backlog === 0 || this.inflight >= this.ids.length) return false;
    const off = this.queueHead, i = this.inflight;
    this.offs[i] = off;
    this.lens[i] = packetLength(this.buf, off);
    this.ids[i] = packetId(this.buf, off);
    this.inflight = i + 1;
    this.backlog--;
    if (this.backlog > 0) this.queueHead = this.after(off);
    return true;
  }

  find(id: number): number {
    for (let i = 0; i < this.inflight; i++) if (this.ids[i] === id) return i;
    return -1;
  }

  // PUBACK: forget the entry and free ring space up to the oldest still unacknowledged packet.
  ack(id: number): boolean {
    const i = this.find(id);
    if (i < 0) return false;
    this.buf[this.offs[i]] = TOMBSTONE;
    const n = this.inflight - 1;
    for (let j = i; j < n; j++) {
      this.ids[j] = this.ids[j + 1]; this.offs[j] = this.offs[j + 1]; this.lens[j] = this.lens[j + 1];
    }
    this.inflight = n;
    if (i < this.sendIndex) this.sendIndex--;
    while (this.stored > 0 && this.buf[this.head] === TOMBSTONE) {
      this.head = this.after(this.head);
      this.stored--;
    }
    if (this.stored === 0) { this.head = 0; this.tail = 0; }
    return true;
  }

  // New link: everything in the window goes out again in order; what was already sent once
  // is marked DUP (MQTT-3.3.1-1), what never left keeps DUP=0.
  rewind(): void {
    for (let i = 0; i < this.sendIndex; i++) setDup(this.buf, this.offs[i]);
    this.sendIndex = 0;
  }

  private after(p: number): number {
    const n = p + packetLength(this.buf, p);
    if (n === this.tail) return n;
    if (n >= this.buf.length || this.buf[n] === WRAP) return 0;
    return n;
  }
}

// Total length (fixed header included) of the packet stored at off.
function packetLength(buf: Uint8Array, off: number): number {
  let rl = 0, mul = 1, p = off + 1, b = 0;
  do {
    b = buf[p++];
    rl += (b & 127) * mul;
    mul *= 128;
  } while (b & 128);
  return p - off + rl;
}

// Packet id of the QoS 1 PUBLISH stored at off (after the topic).
function packetId(buf: Uint8Array, off: number): number {
  let p = off + 1;
  while (buf[p] & 128) p++;
  p++;
  p += 2 + ((buf[p] << 8) | buf[p + 1]);
  return (buf[p] << 8) | buf[p + 1];
}
