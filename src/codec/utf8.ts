// UTF-8 in JavaScript, for the paths that run once per topic or per connection: CONNECT fields,
// SUBSCRIBE filters, a topic seen for the first time, engines without a native TextEncoder.
// The per-message paths avoid these walks (a JS loop costs ~100 XS meter units per character):
// payloads go through the engine's native TextEncoder.encodeInto when it has one, and topics are
// validated and converted once, then reused (session.ts, decoder.ts).
//
// JS strings are UTF-16: a surrogate pair is one code point of 4 UTF-8 bytes. A lone surrogate
// has no UTF-8 form; in payloads and other strings it becomes U+FFFD (as TextEncoder does), while
// topic names and filters reject it, because a silently rewritten topic would never match.
import { MqttError, TOPIC_INVALID, STRING_TOO_LONG } from '../errors.js';
import { MAX_STRING_BYTES } from './constants.js';

/** Bytes of s in UTF-8; lone surrogates count as U+FFFD (3). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLow(s.charCodeAt(i + 1))) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

function isLow(c: number): boolean { return c >= 0xdc00 && c <= 0xdfff; }

/** Writes s as UTF-8 at off and returns the end; the caller has checked that utf8Length(s) fits. */
export function writeUtf8(buf: Uint8Array, off: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) { buf[off++] = c; continue; }
    if (c < 0x800) {
      buf[off++] = 0xc0 | (c >> 6);
      buf[off++] = 0x80 | (c & 63);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c <= 0xdbff && isLow(d)) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        buf[off++] = 0xf0 | (c >> 18);
        buf[off++] = 0x80 | ((c >> 12) & 63);
        buf[off++] = 0x80 | ((c >> 6) & 63);
        buf[off++] = 0x80 | (c & 63);
        continue;
      }
      c = 0xfffd;
    }
    buf[off++] = 0xe0 | (c >> 12);
    buf[off++] = 0x80 | ((c >> 6) & 63);
    buf[off++] = 0x80 | (c & 63);
  }
  return off;
}

export const TOPIC_BAD_UTF8 = 1, TOPIC_NUL = 2, TOPIC_WILDCARD = 3;

/**
 * Decodes buf[start..end) as UTF-8. Returns the string, or a number for bytes MQTT forbids:
 * TOPIC_BAD_UTF8 (not well-formed: overlong, surrogate, beyond U+10FFFF, truncated), and, with
 * `topic`, TOPIC_NUL (U+0000) and TOPIC_WILDCARD (+ or #, not allowed in a PUBLISH topic).
 */
export function readUtf8(buf: Uint8Array, start: number, end: number, topic?: boolean): string | number {
  let s = '';
  let i = start;
  while (i < end) {
    const b = buf[i++];
    let cp = b, need = 0, min = 0;
    if (b >= 0x80) {
      if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; min = 0x80; }
      else if (b >= 0xe0 && b <= 0xef) { need = 2; cp = b & 0x0f; min = 0x800; }
      else if (b >= 0xf0 && b <= 0xf4) { need = 3; cp = b & 0x07; min = 0x10000; }
      else return TOPIC_BAD_UTF8; // a continuation byte first, always-overlong 0xc0/0xc1, or beyond U+10FFFF
      if (i + need > end) return TOPIC_BAD_UTF8;
      for (let k = 0; k < need; k++) {
        const c = buf[i++];
        if ((c & 0xc0) !== 0x80) return TOPIC_BAD_UTF8;
        cp = (cp << 6) | (c & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return TOPIC_BAD_UTF8;
    } else if (topic && (b === 0 || b === 0x2b || b === 0x23)) {
      return b === 0 ? TOPIC_NUL : TOPIC_WILDCARD;
    }
    s += cp < 0x10000 ? String.fromCharCode(cp)
      : String.fromCharCode(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
  }
  return s;
}

/**
 * Checks a topic name (filter false) or a subscription filter and returns its UTF-8 length.
 * Throws MqttError TOPIC_INVALID or STRING_TOO_LONG. Problems are reported in a fixed order
 * whatever their position: empty, U+0000 or a lone surrogate, too long, then a misplaced wildcard.
 */
export function validateTopic(s: string, filter: boolean): number {
  const what = filter ? 'topic filter' : 'topic';
  if (typeof s !== 'string' || s.length === 0) throw new MqttError(TOPIC_INVALID, what + ' must be a non-empty string');
  let n = 0, wild = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) throw new MqttError(TOPIC_INVALID, what + ' "' + s + '" contains U+0000 at index ' + i);
    if (c >= 0xd800 && c <= 0xdfff) {
      if (c > 0xdbff || !isLow(s.charCodeAt(i + 1))) throw new MqttError(TOPIC_INVALID, what + ' contains a lone UTF-16 surrogate at index ' + i + ', which has no UTF-8 form');
      n += 4; i++;
      continue;
    }
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    if (wild < 0 && (c === 0x2b || c === 0x23)) {
      // In a filter, '+' must fill its level and '#' must be the whole last level.
      const prev = i === 0 ? 0x2f : s.charCodeAt(i - 1), last = i === s.length - 1;
      const fits = filter && prev === 0x2f && (last || (c === 0x2b && s.charCodeAt(i + 1) === 0x2f));
      if (!fits) wild = i;
    }
  }
  if (n > MAX_STRING_BYTES) throw new MqttError(STRING_TOO_LONG, what + ' is ' + n + ' bytes of UTF-8; MQTT allows at most 65535');
  if (wild >= 0) {
    const w = s.charAt(wild);
    throw new MqttError(TOPIC_INVALID, what + ' "' + s + '": ' + (!filter ? 'the wildcard "' + w + '" is only allowed in subscription filters'
      : w === '#' ? '"#" must be the last level on its own (like "a/#")' : '"+" must be a whole level (like "a/+/b")'));
  }
  return n;
}
