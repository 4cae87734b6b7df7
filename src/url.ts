// Broker URIs: mqtt://[user[:password]@]host[:port][/]
// Schemes: mqtt and tcp (plain), mqtts and ssl (TLS); default ports 1883 and 8883.
// IPv6 literals go in brackets: mqtt://[::1]:1883. Paths and query strings are rejected
// rather than silently ignored, because MQTT over TCP has no use for them and a user who wrote
// one (?clientId=…) expects it to do something.
// MQTT over WebSocket: ws:// and wss://, default ports 80 and 443. There the path (and query)
// is the HTTP request's: used as written, '/mqtt' when none is given (the path EMQX, HiveMQ,
// VerneMQ and MQTT.js use; mosquitto takes any). Only these schemes set `path`.
import { MqttError, INVALID_ARGUMENT } from './errors.js';

export interface BrokerAddress {
  host: string;
  port: number;
  secure: boolean;
  username?: string; // percent-decoded; present when the URI has a user part
  password?: string; // percent-decoded; present when the URI has ':password'
  path?: string; // ws:// and wss:// only: the HTTP path and query, e.g. '/mqtt'
}

function bad(url: string, why: string): MqttError {
  return new MqttError(INVALID_ARGUMENT, 'broker URI "' + url + '": ' + why);
}

function decode(url: string, part: string, what: string): string {
  // '+' stays '+': in a URI's user part it is not a space.
  try {
    return decodeURIComponent(part);
  } catch (e) {
    throw bad(url, 'the ' + what + ' has a malformed %-escape (write a literal "%" as %25)');
  }
}

/** Parses a broker URI; throws MqttError INVALID_ARGUMENT naming what is wrong. */
export function parseBrokerUrl(url: string): BrokerAddress {
  if (typeof url !== 'string') throw new MqttError(INVALID_ARGUMENT, 'a broker URI must be a string like "mqtt://host:1883"');
  const sep = url.indexOf('://');
  // the scheme is '' when there is no "://"; plain, plain, TLS, TLS, WebSocket, WebSocket over TLS
  const scheme = ['mqtt', 'tcp', 'mqtts', 'ssl', 'ws', 'wss'].indexOf(url.substring(0, sep).toLowerCase());
  if (scheme < 0) {
    throw bad(url, (sep < 0 ? 'no scheme' : 'unknown scheme "' + url.substring(0, sep) + '"') + ': expected mqtt://, mqtts://, tcp://, ssl://, ws:// or wss://');
  }
  const secure = scheme === 2 || scheme === 3 || scheme === 5;

  let rest = url.substring(sep + 3);
  let path: string | undefined;
  if (scheme >= 4) {
    if (rest.indexOf('#') >= 0) throw bad(url, 'a fragment (#…) is not sent to the server');
    let end = rest.indexOf('/');
    const query = rest.indexOf('?');
    if (query >= 0 && (end < 0 || query < end)) end = query;
    path = end < 0 ? '/mqtt' : end === query ? '/' + rest.substring(end) : rest.substring(end);
    if (end >= 0) rest = rest.substring(0, end);
  } else {
    if (rest.charCodeAt(rest.length - 1) === 47) rest = rest.substring(0, rest.length - 1); // one trailing '/' is fine
    if (rest.indexOf('/') >= 0 || rest.indexOf('?') >= 0 || rest.indexOf('#') >= 0) {
      throw bad(url, 'paths, query strings and fragments are not supported (only with ws:// and wss://)');
    }
  }

  const result: BrokerAddress = { host: '', port: scheme >= 4 ? (secure ? 443 : 80) : secure ? 8883 : 1883, secure: secure };
  if (path !== undefined) result.path = path;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.substring(0, at);
    const colon = userinfo.indexOf(':');
    result.username = decode(url, colon >= 0 ? userinfo.substring(0, colon) : userinfo, 'user name');
    if (colon >= 0) result.password = decode(url, userinfo.substring(colon + 1), 'password');
    rest = rest.substring(at + 1);
  }

  // host, then what follows it: '' or ':port'
  let after: string;
  if (rest.charCodeAt(0) === 91) { // '[' IPv6 literal
    const close = rest.indexOf(']');
    result.host = rest.substring(1, close);
    if (close < 0 || result.host.indexOf(':') < 0) throw bad(url, 'expected an IPv6 address in brackets, like [::1]');
    after = rest.substring(close + 1);
  } else {
    const colon = rest.indexOf(':');
    result.host = colon >= 0 ? rest.substring(0, colon) : rest;
    after = colon >= 0 ? rest.substring(colon) : '';
  }
  const host = result.host;
  if (host.length === 0) throw bad(url, 'the host is missing');
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c <= 32 || c === 127 || c === 37 || c === 91 || c === 93 || c === 92) { // '%', '[', ']', '\'
      throw bad(url, 'the host "' + host + '" contains a character a host name cannot have');
    }
  }
  if (after.length > 0) {
    let port = after.charCodeAt(0) === 58 && after.length <= 6 ? 0 : NaN; // ':' and at most 5 digits
    for (let i = 1; i < after.length; i++) {
      const digit = after.charCodeAt(i) - 48;
      port = digit >= 0 && digit <= 9 ? port * 10 + digit : NaN;
    }
    if (!(port >= 1 && port <= 65535)) throw bad(url, 'expected ":port" with a port from 1 to 65535 after the host');
    result.port = port;
  }
  return result;
}
