// The conformance table: every case, in one list, that both drivers run (test/conformance.test.ts
// on Node, test/xs/conformance.ts inside XS). The cases live in cases/*.ts by subject; the marks
// are set on them there. XS-safe.
//
// - knownDefect: { mqtt?, lite? } — the case fails today for that client (one line: what happens
//   instead). The run passes only while it still fails; once a fix makes it pass under every cut,
//   the run fails with "defect-fixed … remove knownDefect.<client>": delete the mark then.
// - differs: [key] — DIFFERENCES (differences.ts) lists that client as lacking the behaviour. Edit a
//   difference there, then `npm run build:ts && node build/scripts/readme-differences.js` to rewrite
//   README's comparison (test/conformance-readme.test.ts fails until then).
import type { Case } from './types.js';
import { connectCases } from './cases/connect.js';
import { messageCases } from './cases/messages.js';
import { resendCases } from './cases/resend.js';
import { keepaliveCases } from './cases/keepalive.js';
import { backoffCases } from './cases/backoff.js';
import { faultCases } from './cases/faults.js';
import { oversizeCases } from './cases/oversize.js';
import { outboxCases } from './cases/outbox.js';
import { statusCases } from './cases/status.js';
import { endCases } from './cases/end.js';
import { subscribeCases } from './cases/subscribe.js';
import { featureCases } from './cases/features.js';

export const TABLE: Case[] = ([] as Case[]).concat(
  connectCases, messageCases, resendCases, keepaliveCases, backoffCases, faultCases, oversizeCases, outboxCases,
  statusCases, endCases, subscribeCases, featureCases,
);
