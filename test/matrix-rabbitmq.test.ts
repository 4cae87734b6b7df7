// The broker compatibility matrix (test/helpers/matrix.ts) against rabbitmq, with both clients.
import { registerMatrix } from './helpers/matrix.js';
import { RABBITMQ } from './helpers/matrix-brokers.js';

registerMatrix(RABBITMQ);
