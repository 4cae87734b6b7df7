// Broker URIs: mqtt://[user[:password]@]host[:port][/]
// Schemes: mqtt and tcp (plain), mqtts and ssl (TLS); default ports 1883 and 8883.
// IPv6 literals go in brackets: mqtt://[::1]:1883. Paths and query strings are rejected
// rather than silently ignored, because MQTT over TCP has no use for them and a user who wrote
// one (a websocket path, ?clientId=…) expects it to do something.
import { MqttError } from './errors.js';

export interface BrokerAddress {
  host: string;
  port: number;
  secure: boolean;
  username?: string; // percent-decoded; present when the URI has a user part
  password?: string; // percent-decoded; present when the URI has ':password'
}

function bad(url: string, why: string): MqttError {
  return new MqttError('INVALID_ARGUMENT', 'broker URI "' + url + '": ' + why);
}

function decode(url: string, part: string, what: string): string {
  // '+' stays '+': in a URI's user part it is not a space.
  try {
    return decodeURIComponent(part);
  } catch (e) {
    throw bad(url, 'the ' + what + ' has a malformed %-escape (write a literal "%" as %25)');
  }
}

function parsePort(url: string, text: string): number {
  if (text.length === 0 || text.length > 5) throw bad(url, 'the port must be a number from 1 to 65535');
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) throw bad(url, 'the port "' + text + '" is not a number');
    n = n * 10 + (c - 48);
  }
  if (n < 1 || n > 65535) throw bad(url, 'the port must be from 1 to 65535, not ' + n);
  return n;
}

/** Parses a broker URI; throws MqttError INVALID_ARGUMENT naming what is wrong. */
export function parseBrokerUrl(url: string): BrokerAddress {
  if (typeof url !== 'string') throw new MqttError('INVALID_ARGUMENT', 'a broker URI must be a string like "mqtt://host:1883"');
  const sep = url.indexOf('://');
  if (sep <= 0) throw bad(url, 'expected a scheme, like "mqtt://host" or "mqtts://host"');
  const scheme = url.substring(0, sep).toLowerCase();
  let secure: boolean;
  if (scheme === 'mqtt' || scheme === 'tcp') secure = false;
  else if (scheme === 'mqtts' || scheme === 'ssl') secure = true;
  else throw bad(url, 'unsupported scheme "' + scheme + '"; use mqtt, mqtts, tcp or ssl');

  let rest = url.substring(sep + 3);
  let cut = rest.length;
  for (let i = 0; i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35) { cut = i; break; } // '/', '?', '#'
  }
  if (cut < rest.length && !(cut === rest.length - 1 && rest.charCodeAt(cut) === 47)) {
    throw bad(url, 'paths, query strings and fragments are not supported');
  }
  rest = rest.substring(0, cut);

  const result: BrokerAddress = { host: '', port: secure ? 8883 : 1883, secure: secure };
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.substring(0, at);
    rest = rest.substring(at + 1);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) {
      result.username = decode(url, userinfo.substring(0, colon), 'user name');
      result.password = decode(url, userinfo.substring(colon + 1), 'password');
    } else {
      result.username = decode(url, userinfo, 'user name');
    }
  }

  let portText = '';
  if (rest.charCodeAt(0) === 91) { // '[' IPv6 literal
    const close = rest.indexOf(']');
    if (close < 0) throw bad(url, 'an IPv6 address needs a closing "]"');
    result.host = rest.substring(1, close);
    const after = rest.substring(close + 1);
    if (after.length > 0) {
      if (after.charCodeAt(0) !== 58) throw bad(url, 'expected ":port" after "]"');
      portText = after.substring(1);
      if (portText.length === 0) throw bad(url, 'empty port after ":"');
    }
    if (result.host.length === 0 || result.host.indexOf(':') < 0) throw bad(url, '"[' + result.host + ']" is not an IPv6 address');
  } else {
    const colon = rest.indexOf(':');
    if (colon >= 0) {
      portText = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (portText.length === 0) throw bad(url, 'empty port after ":"');
    }
    result.host = rest;
  }
  if (result.host.length === 0) throw bad(url, 'the host is missing');
  for (let i = 0; i < result.host.length; i++) {
    const c = result.host.charCodeAt(i);
    if (c <= 32 || c === 127 || c === 37 || c === 91 || c === 93 || c === 92) {
      throw bad(url, 'the host "' + result.host + '" contains a character a host name cannot have');
    }
  }
  if (portText.length > 0) result.port = parsePort(url, portText);
  return result;
}
