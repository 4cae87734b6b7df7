// The dashboard's HTTP server, on 127.0.0.1: the page (index.html, the bundled app.js,
// uPlot's stylesheet), its configuration (/config.json), and MQTT over WebSocket on the same port
// (any path; the page uses /mqtt), handed to the embedded broker or relayed to an external one.
import http from 'node:http';
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { serveMqttOverWebSocket } from '../ws-server.js';
import { pageBundle, repoRoot } from './bundle.js';

export interface PageConfig {
  readingFilter: string; // what the page subscribes to for readings (temp, or temp/+)
  statusFilter: string; // and for device statuses (temp/status, or temp/+/status)
  simStatusTopic: string;
  controlTopic: string;
  embedded: boolean; // whether "restart broker" can work
  // The --broker URL's user name and password, for the page to log in with through the relay.
  // The page and this file are served on 127.0.0.1 only, to the user who typed them.
  username?: string;
  password?: string;
}

export interface Dashboard {
  port: number;
  url: string; // http://127.0.0.1:port/
  wsUrl: string; // ws://127.0.0.1:port/mqtt
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.map': 'application/json', '.json': 'application/json',
};

export async function startDashboard(port: number, config: PageConfig, mqtt: (stream: Duplex) => void): Promise<Dashboard> {
  const built = await pageBundle();
  const pageDir = join(repoRoot(), 'host-sim', 'dashboard', 'page');
  const files: Record<string, string> = {
    '/': join(pageDir, 'index.html'),
    '/app.js': join(built, 'app.js'),
    '/app.js.map': join(built, 'app.js.map'),
    '/uplot.css': join(repoRoot(), 'node_modules', 'uplot', 'dist', 'uPlot.min.css'),
  };
  const server = http.createServer((req, res) => {
    const path = (req.url || '/').split('?')[0];
    if (path === '/favicon.ico') {
      res.writeHead(204).end(); // none: a browser asks anyway
      return;
    }
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': TYPES['.json'], 'cache-control': 'no-store' }).end(JSON.stringify(config));
      return;
    }
    const file = files[path];
    if (!file || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[file.slice(file.lastIndexOf('.'))] || 'application/octet-stream', 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('cannot read ' + path + '\n'),
    );
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  serveMqttOverWebSocket(server, (stream) => mqtt(stream));
  const actual = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}/`,
    wsUrl: `ws://127.0.0.1:${actual}/mqtt`,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}
