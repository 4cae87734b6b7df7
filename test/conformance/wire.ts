// The conformance suite's own MQTT 3.1.1 bytes, independent of both clients' codecs: builders for
// what the broker sends (plain number arrays, so the table can also hold deliberately broken
// packets byte by byte) and a decoder that turns what a client writes into one line of text per
// packet. XS-safe: no Node API, no mqtt-packet.

export type Bytes = number[];

/** UTF-8 of a JS string (a lone surrogate becomes U+FFFD, as both clients encode it). */
export function utf8(s: string): Bytes {
  const out: Bytes = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
    } else if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

/** A text or a byte array as bytes (text as UTF-8). */
export function bytesOf(v: string | Bytes): Bytes { return typeof v === 'string' ? utf8(v) : v.slice(0); }

/** The remaining-length bytes of n (up to 4 bytes; the table writes longer ones by hand). */
export function varint(n: number): Bytes {
  const out: Bytes = [];
  do { let d = n % 128; n = Math.floor(n / 128); if (n > 0) d |= 128; out.push(d); } while (n > 0);
  return out;
}

export function packet(first: number, body: Bytes): Bytes {
  return [first].concat(varint(body.length), body);
}

function str(v: string | Bytes): Bytes {
  const b = bytesOf(v);
  return [b.length >> 8, b.length & 255].concat(b);
}

// ---- broker → client -------------------------------------------------------------------------

export function connack(returnCode?: number, sessionPresent?: boolean): Bytes {
  return [0x20, 2, sessionPresent ? 1 : 0, returnCode ? returnCode : 0];
}
export function puback(id: number): Bytes { return [0x40, 2, id >> 8, id & 255]; }
export function suback(id: number, codes: Bytes): Bytes { return packet(0x90, [id >> 8, id & 255].concat(codes)); }
export function unsuback(id: number): Bytes { return [0xb0, 2, id >> 8, id & 255]; }
export function pingresp(): Bytes { return [0xd0, 0]; }

export interface PubFlags { qos?: number; id?: number; retain?: boolean; dup?: boolean }
/** A PUBLISH; topic as text (UTF-8) or raw bytes (for broken topics); QoS 1/2 id default 1. */
export function publish(topic: string | Bytes, payload: string | Bytes, f?: PubFlags): Bytes {
  const qos = f && f.qos ? f.qos : 0;
  let body = str(topic);
  if (qos > 0) { const id = f && f.id !== undefined ? f.id : 1; body.push(id >> 8, id & 255); }
  body = body.concat(bytesOf(payload));
  return packet(0x30 | (f && f.dup ? 8 : 0) | (qos << 1) | (f && f.retain ? 1 : 0), body);
}

/** A PUBLISH of exactly `total` bytes (fixed header included), payload filled with 'x'. */
export function publishOfSize(topic: string, total: number, f?: PubFlags): Bytes {
  const qos = f && f.qos ? f.qos : 0;
  const fixed = 2 + utf8(topic).length + (qos > 0 ? 2 : 0);
  // the remaining length takes 1..4 bytes depending on itself: try each
  for (let h = 2; h <= 5; h++) {
    const rl = total - h;
    if (varint(rl).length + 1 === h && rl >= fixed) {
      const pay: Bytes = [];
      for (let i = 0; i < rl - fixed; i++) pay.push(0x78);
      return publish(topic, pay, f);
    }
  }
  throw new Error('no PUBLISH of ' + total + ' bytes on ' + topic);
}

// ---- client → broker: one line of text per packet --------------------------------------------

/** Bytes as a quoted string: printable ASCII as itself, anything else as \xNN. */
export function quote(b: ArrayLike<number>, start?: number, end?: number): string {
  let s = '"';
  const e = end === undefined ? b.length : end;
  for (let i = start === undefined ? 0 : start; i < e; i++) {
    const c = b[i];
    if (c === 0x22 || c === 0x5c) s += '\\' + String.fromCharCode(c);
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += '\\x' + (c < 16 ? '0' : '') + c.toString(16);
  }
  return s + '"';
}

/** A topic as written in the transcript: plain when printable ASCII without spaces, else quoted. */
export function topicText(b: ArrayLike<number>, start?: number, end?: number): string {
  const s = start === undefined ? 0 : start, e = end === undefined ? b.length : end;
  for (let i = s; i < e; i++) if (b[i] <= 0x20 || b[i] >= 0x7f || b[i] === 0x22 || b[i] === 0x5c) return quote(b, s, e);
  return e > s ? quote(b, s, e).slice(1, -1) : '""';
}

export function hex(b: ArrayLike<number>, start?: number, end?: number): string {
  const r: string[] = [];
  const e = end === undefined ? b.length : end;
  for (let i = start === undefined ? 0 : start; i < e && r.length < 48; i++) r.push((b[i] < 16 ? '0' : '') + b[i].toString(16));
  return r.join(' ') + (e - (start || 0) > 48 ? ' …' : '');
}

/**
 * Splits bytes a client wrote into whole packets; returns them and how many bytes were used
 * (a partial packet at the end stays for the next write).
 */
export function splitPackets(b: Bytes): { packets: Bytes[]; used: number } {
  const packets: Bytes[] = [];
  let i = 0;
  for (;;) {
    let j = i + 1, len = 0, mul = 1, d = 128;
    while (j < b.length && (d & 128) !== 0 && j - i <= 4) { d = b[j++]; len += (d & 127) * mul; mul *= 128; }
    if (i >= b.length || (d & 128) !== 0 || j + len > b.length) return { packets: packets, used: i };
    packets.push(b.slice(i, j + len));
    i = j + len;
  }
}

/** One whole packet a client wrote, as the transcript line the table expects. */
export function describe(p: Bytes): string {
  const type = p[0] >> 4, flags = p[0] & 15;
  let i = 1;
  while (p[i] & 128) i++;
  i++;
  const end = p.length;
  const bad = function (why: string): string { return 'MALFORMED ' + why + ': ' + hex(p); };
  function u16(): number { if (i + 2 > end) throw new Error('short'); const v = (p[i] << 8) | p[i + 1]; i += 2; return v; }
  function s(): Bytes { const n = u16(); if (i + n > end) throw new Error('string past the end'); const r = p.slice(i, i + n); i += n; return r; }
  try {
    if (type === 1) {
      if (flags !== 0) return bad('CONNECT flags');
      const proto = s(), level = p[i++], cf = p[i++], ka = u16();
      if (topicText(proto) !== 'MQTT' || level !== 4) return bad('protocol ' + topicText(proto) + ' level ' + level);
      if (cf & 1) return bad('CONNECT reserved flag');
      let t = 'CONNECT ' + topicText(s()) + ((cf & 2) ? ' clean' : ' keep-session') + ' k=' + ka;
      if (cf & 4) {
        const wt = s(), wp = s();
        t += ' will=' + topicText(wt) + ' q' + ((cf >> 3) & 3) + ((cf & 32) ? ' retain' : '') + ' ' + quote(wp);
      } else if (cf & 0x38) return bad('will flags without a will');
      if (cf & 128) t += ' user=' + topicText(s());
      if (cf & 64) t += ' pass=' + topicText(s());
      if (i !== end) return bad('CONNECT trailing bytes');
      return t;
    }
    if (type === 3) {
      const qos = (flags >> 1) & 3;
      if (qos === 3 || (qos === 0 && (flags & 8))) return bad('PUBLISH flags');
      const topic = s();
      const id = qos > 0 ? u16() : 0;
      if (qos > 0 && id === 0) return bad('PUBLISH id 0');
      return 'PUBLISH ' + topicText(topic) + ' q' + qos + (qos > 0 ? ' id=' + id : '') + ((flags & 8) ? ' dup' : '') +
        ((flags & 1) ? ' retain' : '') + ' ' + quote(p, i, end);
    }
    if (type === 4) return flags !== 0 || end - i !== 2 ? bad('PUBACK') : 'PUBACK ' + u16();
    if (type === 8 || type === 10) {
      if (flags !== 2) return bad((type === 8 ? 'SUBSCRIBE' : 'UNSUBSCRIBE') + ' flags');
      const id = u16(), parts: string[] = [];
      if (id === 0) return bad('packet id 0');
      while (i < end) {
        const f = topicText(s());
        if (type === 8) { const q = p[i++]; if (q === undefined || q > 2) return bad('SUBSCRIBE QoS'); parts.push(f + ' q' + q); } else parts.push(f);
      }
      if (parts.length === 0) return bad('no filter');
      return (type === 8 ? 'SUBSCRIBE ' : 'UNSUBSCRIBE ') + id + ' ' + parts.join(', ');
    }
    if (type === 12) return flags !== 0 || end !== 2 ? bad('PINGREQ') : 'PINGREQ';
    if (type === 14) return flags !== 0 || end !== 2 ? bad('DISCONNECT') : 'DISCONNECT';
    return bad('a client never sends type ' + type);
  } catch (e) {
    return bad(String(e && (e as Error).message ? (e as Error).message : e));
  }
}
