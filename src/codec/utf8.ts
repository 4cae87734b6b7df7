// Our own UTF-8: Espruino has no TextEncoder/TextDecoder, and MQTT length prefixes count bytes.
// JS strings are UTF-16: a surrogate pair is one code point of 4 UTF-8 bytes. A lone surrogate
// has no UTF-8 form; in payloads and other strings it becomes U+FFFD (as TextEncoder does), while
// topic names and filters reject it, because a silently rewritten topic would never match.
import { MqttError, TOPIC_INVALID, STRING_TOO_LONG } from '../errors.js';
import { MAX_STRING_BYTES } from './constants.js';

// On XS, s.length and s.charCodeAt(i) on a primitive string each allocate a String wrapper;
// calling the prototype method does not. So strings are walked with code(s, i) until it returns
// NaN (past the end). Espruino's charCodeAt returns 0 past the end instead, so there (detected
// once, here) the loops are bounded by s.length; Espruino's allocation is not per-slot anyway.
// A code unit above 0xFFFF (Espruino's Unicode builds hand back code points) is taken as one.
const charCodeAt = String.prototype.charCodeAt;
function code(s: string, i: number): number { return charCodeAt.call(s, i); }
const NAN_PAST_END = code('', 0) !== code('', 0);
function limit(s: string): number { return NAN_PAST_END ? 0x7fffffff : s.length; }
function isLow(c: number): boolean { return c >= 0xdc00 && c <= 0xdfff; }
function isHigh(c: number): boolean { return c >= 0xd800 && c <= 0xdbff; }

export function utf8Length(s: string): number {
  let n = 0;
  const end = limit(s);
  for (let i = 0; i < end; i++) {
    const c = code(s, i);
    if (c !== c) break;
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c > 0xffff) n += 4;
    else if (isHigh(c) && i + 1 < end && isLow(code(s, i + 1))) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

/** Writes s as UTF-8 at off; the caller has checked that utf8Length(s) bytes fit. */
export function writeUtf8(buf: Uint8Array, off: number, s: string): number {
  const end = limit(s);
  for (let i = 0; i < end; i++) {
    let c = code(s, i);
    if (c !== c) break;
    if (c < 0x80) { buf[off++] = c; continue; }
    if (c < 0x800) {
      buf[off++] = 0xc0 | (c >> 6);
      buf[off++] = 0x80 | (c & 63);
      continue;
    }
    let cp = c;
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < end ? code(s, i + 1) : 0;
      if (isHigh(c) && isLow(d)) { cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
      else cp = c = 0xfffd;
    }
    if (cp > 0xffff) {
      buf[off++] = 0xf0 | (cp >> 18);
      buf[off++] = 0x80 | ((cp >> 12) & 63);
      buf[off++] = 0x80 | ((cp >> 6) & 63);
      buf[off++] = 0x80 | (cp & 63);
      continue;
    }
    buf[off++] = 0xe0 | (c >> 12);
    buf[off++] = 0x80 | ((c >> 6) & 63);
    buf[off++] = 0x80 | (c & 63);
  }
  return off;
}

// decodeAt's second result (the index after the code point), kept in the module so that
// validating a received topic allocates nothing.
let nextIndex = 0;

/** Decodes one code point at buf[i] (i < end); returns it, or -1 for invalid UTF-8. */
function decodeAt(buf: Uint8Array, i: number, end: number): number {
  const b = buf[i];
  if (b < 0x80) { nextIndex = i + 1; return b; }
  let need: number, cp: number, min: number;
  if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; min = 0x80; }
  else if (b >= 0xe0 && b <= 0xef) { need = 2; cp = b & 0x0f; min = 0x800; }
  else if (b >= 0xf0 && b <= 0xf4) { need = 3; cp = b & 0x07; min = 0x10000; }
  else return -1; // continuation byte first, 0xc0/0xc1 (always overlong) or 0xf5.. (beyond U+10FFFF)
  if (i + need >= end) return -1; // truncated: the sequence runs past the end
  for (let k = 1; k <= need; k++) {
    const c = buf[i + k];
    if ((c & 0xc0) !== 0x80) return -1;
    cp = (cp << 6) | (c & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  nextIndex = i + need + 1;
  return cp;
}

/** Decodes buf[start..end) as UTF-8; null when it is not well-formed. Allocates the string. */
export function readUtf8(buf: Uint8Array, start: number, end: number): string | null {
  let s = '';
  let i = start;
  while (i < end) {
    const cp = decodeAt(buf, i, end);
    if (cp < 0) return null;
    i = nextIndex;
    if (cp < 0x10000) s += String.fromCharCode(cp);
    else s += String.fromCharCode(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
  }
  return s;
}

export const TOPIC_OK = 0, TOPIC_BAD_UTF8 = 1, TOPIC_NUL = 2, TOPIC_WILDCARD = 3;

/** Checks a received topic name without allocating: TOPIC_OK or the first problem found. */
export function checkTopicBytes(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const cp = decodeAt(buf, i, end);
    if (cp < 0) return TOPIC_BAD_UTF8;
    if (cp === 0) return TOPIC_NUL;
    if (cp === 0x2b || cp === 0x23) return TOPIC_WILDCARD;
    i = nextIndex;
  }
  return TOPIC_OK;
}

// Checks a topic name (filter false) or filter and returns its UTF-8 length, in one walk.
// Problems are reported in a fixed order whatever their position: empty, U+0000 or a lone
// surrogate, too long, then a wildcard where it does not belong.
function checkTopic(s: string, filter: boolean): number {
  const what = filter ? 'topic filter' : 'topic';
  const end = limit(s);
  let n = 0, i = 0, wild = -1;
  for (; i < end; i++) {
    const c = code(s, i);
    if (c !== c) break;
    if (c === 0) throw new MqttError(TOPIC_INVALID, what + ' "' + s + '" contains U+0000 at index ' + i);
    if (c >= 0xd800 && c <= 0xdfff) {
      if (!isHigh(c) || !isLow(code(s, i + 1))) throw new MqttError(TOPIC_INVALID, what + ' contains a lone UTF-16 surrogate at index ' + i + ', which has no UTF-8 form');
      n += 4; i++;
      continue;
    }
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c > 0xffff ? 4 : 3;
    if (wild < 0 && (c === 0x2b || c === 0x23) && !(filter && wildcardFits(s, i, c))) wild = i;
  }
  if (i === 0) throw new MqttError(TOPIC_INVALID, what + ' must not be empty');
  if (n > MAX_STRING_BYTES) throw new MqttError(STRING_TOO_LONG, what + ' is ' + n + ' bytes of UTF-8; MQTT allows at most 65535');
  if (wild >= 0) {
    const w = String.fromCharCode(code(s, wild));
    throw new MqttError(TOPIC_INVALID, what + ' "' + s + '": ' + (!filter ? 'the wildcard "' + w + '" is only allowed in subscription filters'
      : w === '#' ? '"#" must be the last level on its own (like "a/#")' : '"+" must be a whole level (like "a/+/b")'));
  }
  return n;
}

// A filter's wildcard c at i fills its level ("+"), or is the whole last level ("#").
function wildcardFits(s: string, i: number, c: number): boolean {
  const next = code(s, i + 1); // NaN (or 0 on Espruino) past the end
  const levelEnd = next !== next || i + 1 >= limit(s);
  return (i === 0 || code(s, i - 1) === 0x2f) && (levelEnd || (c === 0x2b && next === 0x2f));
}

/** Throws MqttError TOPIC_INVALID / STRING_TOO_LONG; returns the topic's UTF-8 length. */
export function validateTopicName(topic: string): number {
  return checkTopic(topic, false);
}

export function validateTopicFilter(filter: string): number {
  return checkTopic(filter, true);
}
