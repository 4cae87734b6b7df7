// The broker compatibility matrix (test/helpers/matrix.ts) against mosquitto, with both clients.
import { registerMatrix } from './helpers/matrix.js';
import { MOSQUITTO } from './helpers/matrix-brokers.js';

registerMatrix(MOSQUITTO);
