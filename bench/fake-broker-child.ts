// Child process of the client-only throughput runs: a TCP server that speaks just enough MQTT to
// be published to, so the publishing client (in the parent) is the only thing measured. It runs
// in its own process so its CPU is not billed to the client and it does not share its core.
//   node build/bench/fake-broker-child.js      (forked with IPC; prints nothing)
// Parent → child: { cmd: 'arm', mode: 'count' | 'ack', publishes: N, bytes: B }
//   count: after CONNECT/CONNACK, only adds up bytes until B arrived (QoS 0: nothing to answer).
//   ack:   walks packet headers, answers each QoS 1 PUBLISH with PUBACK, until N PUBLISHes arrived.
// Child → parent: { ev: 'port', port } once; { ev: 'armed' }; { ev: 'done', cpuUs, publishes, bytes }.
import net from 'node:net';

type Mode = 'count' | 'ack';

let mode: Mode = 'count';
let wantPublishes = 0, wantBytes = 0;
let publishes = 0, bytes = 0;
let armed = false;
let generation = 0;   // bumped by each 'arm': bytes of a previous run's connection (its DISCONNECT) do not count
let cpu0 = process.cpuUsage();

function send(m: object): void { if (process.send) process.send(m); }

function check(): void {
  if (!armed) return;
  if ((mode === 'count' && bytes >= wantBytes) || (mode === 'ack' && publishes >= wantPublishes)) {
    armed = false;
    const c = process.cpuUsage(cpu0);
    send({ ev: 'done', cpuUs: c.user + c.system, publishes: publishes, bytes: bytes });
  }
}

const CONNACK = Buffer.from([0x20, 2, 0, 0]);
const PINGRESP = Buffer.from([0xd0, 0]);

function serve(sock: net.Socket): void {
  sock.setNoDelay(true);
  let connected = false;
  let gen = -1;
  let rest: Buffer | null = null;   // an incomplete packet carried to the next chunk
  sock.on('error', () => undefined);
  sock.on('data', (d: Buffer) => {
    if (connected && mode === 'count') { if (gen === generation) { bytes += d.length; check(); } return; }
    const buf = rest ? Buffer.concat([rest, d]) : d;
    rest = null;
    let i = 0;
    let acks: Buffer | null = null, nAcks = 0;
    while (i < buf.length) {
      // fixed header: type byte, then 1–4 bytes of remaining length
      let len = 0, mul = 1, j = i + 1, complete = false;
      while (j < buf.length && j < i + 5) {
        const b = buf[j++];
        len += (b & 127) * mul; mul *= 128;
        if (!(b & 128)) { complete = true; break; }
      }
      if (!complete || j + len > buf.length) break;
      const type = buf[i] >> 4;
      if (type === 3) {
        publishes++;
        if (connected) bytes += j + len - i;
        if (((buf[i] >> 1) & 3) === 1) {
          const tlen = (buf[j] << 8) | buf[j + 1];
          const id = j + 2 + tlen;
          if (!acks) acks = Buffer.allocUnsafe(4 * 1024);
          if (nAcks * 4 + 4 > acks.length) { sock.write(acks.subarray(0, nAcks * 4)); acks = Buffer.allocUnsafe(4 * 1024); nAcks = 0; }
          const o = nAcks * 4;
          acks[o] = 0x40; acks[o + 1] = 2; acks[o + 2] = buf[id]; acks[o + 3] = buf[id + 1];
          nAcks++;
        }
      } else if (type === 1) {
        sock.write(CONNACK);
        connected = true;
        gen = generation;
        i = j + len;
        if (mode === 'count') { bytes += buf.length - i; i = buf.length; break; }
        continue;
      } else if (type === 12) {
        sock.write(PINGRESP);
      } else if (type === 14) {
        sock.end();
      }
      i = j + len;
    }
    if (i < buf.length) rest = Buffer.from(buf.subarray(i));
    // one write per chunk: answering packet by packet would make the server the bottleneck
    if (acks && nAcks) sock.write(acks.subarray(0, nAcks * 4));
    check();
  });
}

const server = net.createServer(serve);
server.listen(0, '127.0.0.1', () => send({ ev: 'port', port: (server.address() as net.AddressInfo).port }));

process.on('message', (m: { cmd: string; mode?: Mode; publishes?: number; bytes?: number }) => {
  if (m.cmd === 'arm') {
    mode = m.mode || 'count';
    wantPublishes = m.publishes || 0; wantBytes = m.bytes || 0;
    publishes = 0; bytes = 0; armed = true; generation++;
    cpu0 = process.cpuUsage();
    send({ ev: 'armed' });
  } else if (m.cmd === 'exit') {
    server.close();
    process.exit(0);
  }
});
// The parent's death must not leave this server behind.
process.on('disconnect', () => process.exit(0));
