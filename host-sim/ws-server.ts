// MQTT over WebSocket on an HTTP server: every upgrade request that offers the "mqtt"
// subprotocol becomes a byte stream handed to `accept` (aedes.handle, or a bridge to another
// broker). Any path is accepted, as mosquitto does; the dashboard page uses /mqtt.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';

export function serveMqttOverWebSocket(server: http.Server, accept: (stream: Duplex, req: http.IncomingMessage) => void): WebSocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    // MQTT 3.1.1 §6: the subprotocol is "mqtt" (some old clients say "mqttv3.1")
    handleProtocols: (offered) => (offered.has('mqtt') ? 'mqtt' : offered.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => undefined); // a page closed mid-frame is not the broker's problem
      accept(stream, req);
    });
  });
  return wss;
}
