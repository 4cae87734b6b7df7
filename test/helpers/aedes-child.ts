// host-sim's embedded broker (host-sim/broker.ts, same aedes options) alone in a child process,
// for fleets whose two ends would not fit one process's file-descriptor limit. Prints its port.
import { startEmbeddedBroker } from '../../host-sim/broker.js';

const b = await startEmbeddedBroker(0);
process.stdout.write(b.port + '\n');
process.on('SIGTERM', () => { void b.close().then(() => process.exit(0)); });
