// The Espruino size budget (bytes of minified ES5). Issue 4 set 5 120 B for the client alone and
// 7 168 B with the temperature app; issue 11 asked the client to stay within 5 120 B. Today that is
// missed (the build prints OVER BUDGET, BENCHMARKS.md says missed): issue 12's checks (docs/
// CONTRACTS.md's fault table, found at the first byte; PUBLISH topics checked as UTF-8; retained
// replacement) and issue 11's memory work (an outbox preallocated and walked in place, few
// closures, text written where it is used) cost ~1 200 B, while on a 1 700-variable Espruino, where
// code runs from Storage and its text costs no memory, the board file's peak fell from 867 to 657
// variables (npm run test:espruino). The conformance suite's last LiteClient cases (keepalive as
// MqttClient's, an oversize QoS 1 PUBLISH acknowledged even when its topic alone is too long, SUBACK
// rules as the core's) added ~260 B and 5 variables (peak 662). The test holds the CEILINGs,
// today's sizes rounded up, so growth is still caught.
export const CLIENT_BUDGET = 5120; // the client alone (LiteClient + Espruino adapter): the target
export const CLIENT_APP_BUDGET = 7168; // client + temperature app: the target
export const CLIENT_CEILING = 6600; // what test/espruino-build.test.ts allows today
export const CLIENT_APP_CEILING = 8600;
