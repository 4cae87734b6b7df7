// MQTT over WebSocket for the dashboard page when host-sim uses an external broker: each page
// connection is relayed byte for byte to that broker (TCP, TLS or WebSocket), so the page
// speaks MQTT to the same broker the fleet uses, whatever it listens on.
import type { Duplex } from 'node:stream';
import { WebSocket, createWebSocketStream } from 'ws';
import { parseBrokerUrl } from '../../src/url.js';
import { openSocket } from '../node-platform.js';

export function bridgeTo(brokerUrl: string, ca: string | undefined): (page: Duplex) => void {
  const b = parseBrokerUrl(brokerUrl);
  return (page) => {
    let broker: Duplex;
    if (b.path !== undefined) {
      const url = (b.secure ? 'wss://' : 'ws://') + (b.host.indexOf(':') >= 0 ? '[' + b.host + ']' : b.host) + ':' + b.port + b.path;
      broker = createWebSocketStream(new WebSocket(url, 'mqtt', { ca }));
    } else {
      broker = openSocket(b.host, b.port, b.secure, { ca }).socket;
    }
    const end = () => { page.destroy(); broker.destroy(); };
    broker.on('error', end);
    page.on('error', end);
    broker.on('close', end);
    page.on('close', end);
    page.pipe(broker);
    broker.pipe(page);
  };
}
