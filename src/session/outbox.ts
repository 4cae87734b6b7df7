// The outbox: a byte ring, allocated once (a region of the session's one buffer), holding encoded
// QoS 1 PUBLISH packets in the order they were published, and the in-flight table (one fixed
// Int32Array) for the ones admitted to the window.
//
// The ring describes itself, so queued messages need no table: every stored packet carries its
// length (remaining length) and its packet id, and its first byte tells its status:
//   0x3X  a live PUBLISH (in flight or queued)
//   0x01  gone (acknowledged, or replaced by a newer retained message), waiting for the packets
//         before it to go too (a tombstone)
//   0x00  (at the old tail) "the rest of the ring is unused, continue at its start"
// A packet is never split across the end of the ring, so it is written to a socket in one piece
// straight from here, and resending it is setting its DUP bit.
// Space is reclaimed from the oldest end only. Brokers acknowledge QoS 1 in order (MQTT-4.6.0-2),
// so that is enough; a message a broker never acknowledges holds the space behind it until the
// next link resends it (no compaction: it would cost code and time for a broker bug).
const TOMBSTONE = 0x01;
const WRAP = 0x00;

/** Whole length (fixed header included) of the packet stored at off. */
export function storedLength(buf: Uint8Array, off: number): number {
  let rl = 0, mul = 1, p = off + 1, b = 0;
  do {
    b = buf[p++];
    rl += (b & 127) * mul;
    mul *= 128;
  } while (b & 128);
  return p - off + rl;
}

export class Outbox {
  readonly buf: Uint8Array; // the session's buffer; the ring is buf[base..base + size)
  readonly base: number;
  readonly size: number;
  private head: number;     // offset of the oldest stored packet
  private tail: number;     // where the next packet goes
  private stored: number;   // packets in the ring, tombstones included
  private qhead: number;    // the oldest queued (not yet admitted) packet
  backlog: number;          // live queued packets, not yet admitted to the window
  // In-flight table, in admission order (= ring order), 3 numbers per entry: offset, length, id.
  // Entries [0, sent) have been handed to the transport on the current link.
  readonly tab: Int32Array;
  inflight: number;
  sent: number;

  constructor(buf: Uint8Array, base: number, size: number, window: number) {
    this.buf = buf; this.base = base; this.size = size;
    this.head = this.tail = this.qhead = base;
    this.stored = this.backlog = this.inflight = this.sent = 0;
    this.tab = new Int32Array(3 * window);
  }

  /** Offset where len more bytes can be written now, or -1; nothing is committed until add(). */
  reserve(len: number): number {
    const base = this.base;
    // empty (a sensor's usual case, so checked first): from the start
    if (this.stored === 0) { this.head = this.tail = this.qhead = base; return len <= this.size ? base : -1; }
    const end = base + this.size, head = this.head, tail = this.tail;
    if (tail > head) {
      if (tail + len <= end) return tail;
      return base + len <= head ? base : -1;
    }
    // wrapped (tail < head) or full (tail === head)
    return tail + len <= head ? tail : -1;
  }

  /** Stores the packet just written at off (from reserve()) as the newest; when `admit` and
   *  nothing waits before it, it enters the window at once. True when it did. */
  add(off: number, len: number, id: number, admit: boolean): boolean {
    if (off === this.base && this.tail !== off && this.stored > 0 && this.tail < this.base + this.size) this.buf[this.tail] = WRAP;
    this.tail = off + len;
    this.stored++;
    const k = this.inflight * 3, t = this.tab;
    if (admit && this.backlog === 0 && k < t.length) {
      t[k] = off; t[k + 1] = len; t[k + 2] = id;
      this.inflight++;
      this.qhead = this.tail;
      return true;
    }
    if (this.backlog === 0) this.qhead = off;
    this.backlog++;
    return false;
  }

  /** Moves the oldest queued packet into the window (unsent). False when none or window full. */
  admit(): boolean {
    const t = this.tab, k = this.inflight * 3;
    if (this.backlog === 0 || k >= t.length) return false;
    let off = this.qhead;
    while (this.buf[off] === TOMBSTONE) off = this.after(off);
    t[k] = off; t[k + 1] = storedLength(this.buf, off); t[k + 2] = idAt(this.buf, off);
    this.inflight++;
    this.backlog--;
    this.qhead = this.backlog > 0 ? this.after(off) : this.tail;
    return true;
  }

  /** Index in the in-flight table of id, or -1. */
  find(id: number): number {
    const t = this.tab;
    for (let i = 0; i < this.inflight; i++) if (t[i * 3 + 2] === id) return i;
    return -1;
  }

  /** PUBACK: forgets the entry; false when no message in flight has that id. */
  ack(id: number): boolean {
    const t = this.tab, n = this.inflight * 3;
    if (n === 3 && this.stored === 1 && t[2] === id) {
      // the only packet stored (a sensor's usual case): the ring is empty again
      this.stored = this.inflight = this.sent = 0;
      this.head = this.tail = this.qhead = this.base;
      return true;
    }
    for (let k = 2; k < n; k += 3) {
      if (t[k] === id) { this.forget(k / 3 | 0); return true; }
    }
    return false;
  }

  // Removes in-flight entry i and frees ring space up to the oldest packet still live.
  private forget(i: number): void {
    const t = this.tab;
    this.buf[t[i * 3]] = TOMBSTONE;
    if (i < this.inflight - 1) t.copyWithin(i * 3, i * 3 + 3, this.inflight * 3);
    this.inflight--;
    if (i < this.sent) this.sent--;
    this.reclaim();
  }

  // Frees the tombstones at the oldest end (the queue's head moves with them).
  private reclaim(): void {
    const buf = this.buf;
    while (this.stored > 0 && buf[this.head] === TOMBSTONE) {
      const next = this.after(this.head);
      if (this.qhead === this.head) this.qhead = next;
      this.head = next;
      this.stored--;
    }
    if (this.stored === 0) this.head = this.tail = this.qhead = this.base;
  }

  /** New link: the window goes out again in order; what was sent before is marked DUP (MQTT-3.3.1-1). */
  rewind(): void {
    const t = this.tab;
    for (let i = 0; i < this.sent; i++) this.buf[t[i * 3]] |= 0x08;
    this.sent = 0;
  }

  /**
   * A newer retained message for the topic in buf[ts..ts + tl) is coming: removes every older
   * retained one for that topic not yet written on this link (queued, or in the window but not
   * sent since the last rewind()). The broker keeps only the last retained message of a topic.
   */
  replaceRetained(ts: number, tl: number): void {
    const buf = this.buf, t = this.tab;
    for (let i = this.inflight - 1; i >= this.sent; i--) if (this.sameTopic(t[i * 3], ts, tl)) this.forget(i);
    let off = this.qhead;
    for (let n = this.backlog; n > 0; off = this.after(off)) {
      if (buf[off] === TOMBSTONE) continue;
      n--;
      if (this.sameTopic(off, ts, tl)) { buf[off] = TOMBSTONE; this.backlog--; }
    }
    if (this.backlog === 0) this.qhead = this.tail;
    this.reclaim();
  }

  // True when the stored packet at off is retained and its topic is buf[ts..ts + tl).
  private sameTopic(off: number, ts: number, tl: number): boolean {
    const buf = this.buf;
    if (!(buf[off] & 1)) return false;
    let p = off + 1;
    while (buf[p] & 128) p++;
    p++;
    if (((buf[p] << 8) | buf[p + 1]) !== tl) return false;
    p += 2;
    for (let k = 0; k < tl; k++) if (buf[p + k] !== buf[ts + k]) return false;
    return true;
  }

  private after(p: number): number {
    const n = p + storedLength(this.buf, p);
    if (n === this.tail) return n;
    if (n >= this.base + this.size || this.buf[n] === WRAP) return this.base;
    return n;
  }
}

// Packet id of the QoS 1 PUBLISH stored at off (after the topic).
function idAt(buf: Uint8Array, off: number): number {
  let p = off + 1;
  while (buf[p] & 128) p++;
  p++;
  p += 2 + ((buf[p] << 8) | buf[p + 1]);
  return (buf[p] << 8) | buf[p + 1];
}
