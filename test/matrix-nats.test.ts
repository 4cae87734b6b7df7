// The broker compatibility matrix (test/helpers/matrix.ts) against nats, with both clients.
import { registerMatrix } from './helpers/matrix.js';
import { NATS } from './helpers/matrix-brokers.js';

registerMatrix(NATS);
