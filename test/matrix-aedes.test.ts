// The broker compatibility matrix (test/helpers/matrix.ts) against aedes, with both clients.
import { registerMatrix } from './helpers/matrix.js';
import { AEDES } from './helpers/matrix-brokers.js';

registerMatrix(AEDES);
