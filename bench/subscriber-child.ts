// Child process of the end-to-end throughput runs: the raw QoS 0 subscriber (raw-subscriber.ts)
// in its own process, so the bench process's CPU is the publishing client's alone.
// Parent → child: { cmd: 'open', port, topic } → { ev: 'open' };
//                 { cmd: 'arm', bytes, timeoutMs } → { ev: 'armed' }, later { ev: 'done', cpuUs } or { ev: 'fail', error }.
import { RawSubscriber } from './raw-subscriber.js';

let sub: RawSubscriber | null = null;
function send(m: object): void { if (process.send) process.send(m); }

process.on('message', (m: { cmd: string; port?: number; topic?: string; bytes?: number; timeoutMs?: number }) => {
  if (m.cmd === 'open') {
    RawSubscriber.open(m.port!, m.topic!).then((s) => { sub = s; send({ ev: 'open' }); }, (e) => send({ ev: 'fail', error: String(e) }));
  } else if (m.cmd === 'arm' && sub) {
    sub.reset();
    const c0 = process.cpuUsage();
    const done = sub.waitFor(m.bytes!, m.timeoutMs!);
    send({ ev: 'armed' });
    done.then(() => { const c = process.cpuUsage(c0); send({ ev: 'done', cpuUs: c.user + c.system }); }, (e) => send({ ev: 'fail', error: String(e) }));
  } else if (m.cmd === 'exit') {
    if (sub) sub.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
