// Every measured figure README.md shows, by the name its marker uses (`<!--fig:NAME-->…<!--/fig-->`),
// and where in BENCHMARKS.md it comes from. A figure is taken as BENCHMARKS.md prints it (units and
// spacing included), so README and BENCHMARKS.md cannot disagree, even in rounding.
import { lookup, rowsOf, runDate, FigureSourceError, type CellRef, type MdPart } from './benchmarks-md.js';

type Source = (parts: MdPart[]) => string;

const at = (ref: CellRef): Source => (parts) => lookup(parts, ref);
const date = (part: string): Source => (parts) => runDate(parts, part);

const XS = 'XS cost per operation';
const NODE = 'Node.js throughput';
const PARSER = 'Parser throughput';
const FLEET = 'Fleet memory';
const SIZE = 'Code size';
const ESPRUINO = 'Espruino memory';
const REAL_XS = 'Real Moddable XS';
const SIDE = 'Side by side';
const PARTS = 'Where MqttClient';
const ESP_USAGE = 'process.memory().usage';

const CLIENT_ONLY = 'Client only — publishes per second';
const CLIENT_CPU = 'Client only — CPU per message';
const END_TO_END = 'End to end through mosquitto';
const ROUND_TRIP = 'Round trip';
const IDLE = 'Per idle connected client, 1 000 clients';
const SIDE_BY_SIDE = 'Per idle connected client, each client side by side';

/** The number a cell starts with: "7 067" from "7 067 B (toEs5 of …)". */
function leadingNumber(source: Source): Source {
  return (parts) => {
    const v = source(parts);
    const m = /^\d[\d ]*(\.\d+)?/.exec(v);
    if (!m) throw new FigureSourceError('"' + v + '" does not start with a number');
    return m[0].trim();
  };
}

/** The largest fleet in part 5's host-sim table whose run was healthy, as `column` of that row. */
function largestHealthy(column: string): Source {
  return (parts) => {
    const t = rowsOf(parts, FLEET, 'healthy', 'host-sim');
    const healthy = t.header.indexOf('healthy');
    const held = t.rows.filter((r) => r[healthy] === 'yes');
    if (held.length === 0) throw new FigureSourceError('no healthy fleet run in part "' + FLEET + '"');
    const col = t.header.indexOf(column);
    if (col < 0) throw new FigureSourceError('no column "' + column + '" in the fleet table');
    return held[held.length - 1][col];
  };
}

export const FIGURES: Record<string, Source> = {
  // where it was measured
  'machine.cpu': at({ part: 'Machine', row: 'CPU', column: 1 }),
  'machine.node': at({ part: 'Machine', row: 'Node.js', column: 1 }),
  'machine.mosquitto': at({ part: 'Machine', row: 'mosquitto', column: 1 }),
  'machine.mqttjs': at({ part: 'Machine', row: 'MQTT.js', column: 1 }),
  'machine.mqtt-packet': at({ part: 'Machine', row: 'mqtt-packet', column: 1 }),
  'machine.xsnap': at({ part: 'Machine', row: '@agoric/xsnap', column: 1 }),
  'date.size': date(SIZE),
  'date.xs': date(XS),
  'date.node': date(NODE),
  'date.parser': date(PARSER),
  'date.fleet': date(FLEET),
  'date.espruino': date(ESPRUINO),
  'date.moddable': date(REAL_XS),

  // part 2: XS, the client (bench/xs/client-workload.ts)
  'xs.client.qos0.slots': at({ part: XS, row: 'QoS 0 publish', column: 'client heap slots/op' }),
  'xs.client.qos1.slots': at({ part: XS, row: 'QoS 1 publish + PUBACK', column: 'client heap slots/op' }),
  'xs.client.qos0.compute': at({ part: XS, row: 'QoS 0 publish', column: 'client compute/op' }),
  'xs.client.qos1.compute': at({ part: XS, row: 'QoS 1 publish + PUBACK', column: 'client compute/op' }),
  'xs.target.slots.status': at({ part: XS, table: 'Targets', row: 'XS heap slots per publish (QoS 0 and QoS 1+PUBACK), client', column: 'status' }),

  // part 2: XS, side by side with the anchors (xsmeter)
  // part 2: where MqttClient's units go (bench/xs/breakdown-adapter.js)
  'xs.parts.p0.call': at({ part: XS, table: PARTS, row: '… calling publish()', column: 'units / slots' }),
  'xs.parts.p0.encode': at({ part: XS, table: PARTS, row: '… the payload through', column: 'units / slots' }),
  'xs.parts.p0.write': at({ part: XS, table: PARTS, row: '… the bytes to the transport', column: 'units / slots' }),
  'xs.parts.harness.write': at({ part: XS, table: PARTS, row: '… … of which the fake socket', column: 'units / slots' }),
  'xs.parts.puback.decode': at({ part: XS, table: PARTS, row: '… the PUBACK decoded', column: 'units / slots' }),
  'xs.parts.in.entry': at({ part: XS, table: PARTS, row: '… a received chunk reaching the session', column: 'units / slots' }),
  'xs.parts.in.decode': at({ part: XS, table: PARTS, row: '… the PUBLISH decoded', column: 'units / slots' }),
  'xs.parts.in.decode1': at({ part: XS, table: PARTS, row: '… the same with the 1-byte topic', column: 'units / slots' }),
  'xs.parts.in.dispatch': at({ part: XS, table: PARTS, row: '… dispatch', column: 'units / slots' }),
  'xs.parts.ka.pingresp': at({ part: XS, table: PARTS, row: '… the PINGRESP received', column: 'units / slots' }),
  'xs.parts.held': leadingNumber(at({ part: XS, table: PARTS, row: 'MqttClient created', column: 'units / slots' })),
  'xs.side.qos0.ours': at({ part: XS, table: SIDE, row: 'QoS 0 publish', column: 'MqttClient' }),
  'xs.side.qos0.ecma419': at({ part: XS, table: SIDE, row: 'QoS 0 publish', column: 'Moddable ECMA-419' }),
  'xs.side.qos0.mqtt': at({ part: XS, table: SIDE, row: 'QoS 0 publish', column: 'Moddable `mqtt`' }),
  'xs.side.qos0.espruino': at({ part: XS, table: SIDE, row: 'QoS 0 publish', column: 'Espruino `MQTT`' }),
  'xs.side.qos1.ours': at({ part: XS, table: SIDE, row: 'QoS 1 publish + PUBACK', column: 'MqttClient' }),
  'xs.side.qos1.ecma419': at({ part: XS, table: SIDE, row: 'QoS 1 publish + PUBACK', column: 'Moddable ECMA-419' }),
  'xs.side.qos1.mqtt': at({ part: XS, table: SIDE, row: 'QoS 1 publish + PUBACK', column: 'Moddable `mqtt`' }),
  'xs.side.qos1.espruino': at({ part: XS, table: SIDE, row: 'QoS 1 publish + PUBACK', column: 'Espruino `MQTT`' }),
  'xs.side.in16.ours': at({ part: XS, table: SIDE, row: 'incoming 16 B', column: 'MqttClient' }),
  'xs.side.in16.ecma419': at({ part: XS, table: SIDE, row: 'incoming 16 B', column: 'Moddable ECMA-419' }),
  'xs.side.in16.mqtt': at({ part: XS, table: SIDE, row: 'incoming 16 B', column: 'Moddable `mqtt`' }),
  'xs.side.in16.espruino': at({ part: XS, table: SIDE, row: 'incoming 16 B', column: 'Espruino `MQTT`' }),
  'xs.side.in1k.ours': at({ part: XS, table: SIDE, row: 'incoming 1 KB', column: 'MqttClient' }),
  'xs.side.in1k.ecma419': at({ part: XS, table: SIDE, row: 'incoming 1 KB', column: 'Moddable ECMA-419' }),
  'xs.side.in1k.mqtt': at({ part: XS, table: SIDE, row: 'incoming 1 KB', column: 'Moddable `mqtt`' }),
  'xs.side.in1k.espruino': at({ part: XS, table: SIDE, row: 'incoming 1 KB', column: 'Espruino `MQTT`' }),
  'xs.side.ping.ours': at({ part: XS, table: SIDE, row: 'keepalive', column: 'MqttClient' }),
  'xs.side.ping.ecma419': at({ part: XS, table: SIDE, row: 'keepalive', column: 'Moddable ECMA-419' }),
  'xs.side.ping.mqtt': at({ part: XS, table: SIDE, row: 'keepalive', column: 'Moddable `mqtt`' }),
  'xs.side.ping.espruino': at({ part: XS, table: SIDE, row: 'keepalive', column: 'Espruino `MQTT`' }),
  'xs.side.load.ours': at({ part: XS, table: SIDE, row: 'module load', column: 'MqttClient' }),
  'xs.side.load.ecma419': at({ part: XS, table: SIDE, row: 'module load', column: 'Moddable ECMA-419' }),
  'xs.side.load.mqtt': at({ part: XS, table: SIDE, row: 'module load', column: 'Moddable `mqtt`' }),
  'xs.side.load.espruino': at({ part: XS, table: SIDE, row: 'module load', column: 'Espruino `MQTT`' }),

  // part 6: the real Moddable XS in mcsim
  'moddable.cost.ours': at({ part: REAL_XS, table: 'Results', row: 'client cost: live heap', column: 'mcu-mqtt MqttClient (ESP8266 buffers)' }),
  'moddable.cost.mqtt': at({ part: REAL_XS, table: 'Results', row: 'client cost: live heap', column: 'SDK `mqtt` (QoS 0 only)' }),
  'moddable.cost.ecma419': at({ part: REAL_XS, table: 'Results', row: 'client cost: live heap', column: 'SDK ECMA-419 client' }),
  'moddable.qos0-string.ours': at({ part: REAL_XS, table: 'Results', row: 'garbage per QoS 0 publish, payload "21.5"', column: 'mcu-mqtt MqttClient (ESP8266 buffers)' }),
  'moddable.qos0-string.mqtt': at({ part: REAL_XS, table: 'Results', row: 'garbage per QoS 0 publish, payload "21.5"', column: 'SDK `mqtt` (QoS 0 only)' }),
  'moddable.qos0-string.ecma419': at({ part: REAL_XS, table: 'Results', row: 'garbage per QoS 0 publish, payload "21.5"', column: 'SDK ECMA-419 client' }),
  'moddable.qos0-buffer.ours': at({ part: REAL_XS, table: 'Results', row: 'garbage per QoS 0 publish, payload a buffer', column: 'mcu-mqtt MqttClient (ESP8266 buffers)' }),
  'moddable.qos0-buffer.mqtt': at({ part: REAL_XS, table: 'Results', row: 'garbage per QoS 0 publish, payload a buffer', column: 'SDK `mqtt` (QoS 0 only)' }),
  'moddable.qos0-buffer.ecma419': at({ part: REAL_XS, table: 'Results', row: 'garbage per QoS 0 publish, payload a buffer', column: 'SDK ECMA-419 client' }),
  'moddable.qos1-string.ours': at({ part: REAL_XS, table: 'Results', row: 'garbage per QoS 1 publish + PUBACK, string', column: 'mcu-mqtt MqttClient (ESP8266 buffers)' }),
  'moddable.qos1-string.mqtt': at({ part: REAL_XS, table: 'Results', row: 'garbage per QoS 1 publish + PUBACK, string', column: 'SDK `mqtt` (QoS 0 only)' }),
  'moddable.qos1-string.ecma419': at({ part: REAL_XS, table: 'Results', row: 'garbage per QoS 1 publish + PUBACK, string', column: 'SDK ECMA-419 client' }),
  'moddable.in.ours': at({ part: REAL_XS, table: 'Results', row: 'garbage per incoming QoS 0 PUBLISH ("21.5")', column: 'mcu-mqtt MqttClient (ESP8266 buffers)' }),
  'moddable.in.mqtt': at({ part: REAL_XS, table: 'Results', row: 'garbage per incoming QoS 0 PUBLISH ("21.5")', column: 'SDK `mqtt` (QoS 0 only)' }),
  'moddable.in.ecma419': at({ part: REAL_XS, table: 'Results', row: 'garbage per incoming QoS 0 PUBLISH ("21.5")', column: 'SDK ECMA-419 client' }),
  'moddable.xsb.ours': at({ part: REAL_XS, table: 'Results', row: '.xsb of the client module', column: 'mcu-mqtt MqttClient (ESP8266 buffers)' }),
  'moddable.xsb.mqtt': at({ part: REAL_XS, table: 'Results', row: '.xsb of the client module', column: 'SDK `mqtt` (QoS 0 only)' }),
  'moddable.xsb.ecma419': at({ part: REAL_XS, table: 'Results', row: '.xsb of the client module', column: 'SDK ECMA-419 client' }),
  'moddable.target.cost.status': at({ part: REAL_XS, table: 'Targets', row: 'real XS: client cost', column: 'status' }),
  'moddable.target.xsb.status': at({ part: REAL_XS, table: 'Targets', row: 'mcu-mqtt.xsb', column: 'status' }),
  'moddable.target.warnings.status': at({ part: REAL_XS, table: 'Targets', row: 'xsl warnings', column: 'status' }),

  // part 3: Node.js
  'node.qos0.ours': at({ part: NODE, table: CLIENT_ONLY, row: '0 (', column: 'ours msg/s' }),
  'node.qos0.mqttjs': at({ part: NODE, table: CLIENT_ONLY, row: '0 (', column: 'MQTT.js msg/s' }),
  'node.qos0.mosquitto_pub': at({ part: NODE, table: CLIENT_ONLY, row: '0 (', column: 'mosquitto_pub msg/s' }),
  'node.qos0.vs-mqttjs': at({ part: NODE, table: CLIENT_ONLY, row: '0 (', column: 'ours / MQTT.js' }),
  'node.qos0.vs-mosquitto_pub': at({ part: NODE, table: CLIENT_ONLY, row: '0 (', column: 'ours / mosquitto_pub' }),
  'node.target.mqttjs.status': at({ part: NODE, table: 'Targets', row: 'Node QoS 0 throughput vs MQTT.js', column: 'status' }),
  'node.target.mosquitto_pub.status': at({ part: NODE, table: 'Targets', row: 'Node QoS 0 throughput vs mosquitto_pub', column: 'status' }),
  'node.e2e.qos0.ours': at({ part: NODE, table: END_TO_END, row: '0 (', column: 'ours msg/s' }),
  'node.e2e.qos0.mqttjs': at({ part: NODE, table: END_TO_END, row: '0 (', column: 'MQTT.js msg/s' }),
  'node.e2e.qos0.mosquitto_pub': at({ part: NODE, table: END_TO_END, row: '0 (', column: 'mosquitto_pub msg/s' }),
  'node.e2e.qos0.vs-mqttjs': at({ part: NODE, table: END_TO_END, row: '0 (', column: 'ours / MQTT.js' }),
  'node.cpu.qos0.ours': at({ part: NODE, table: CLIENT_CPU, row: '0', column: 'ours' }),
  'node.cpu.qos0.mqttjs': at({ part: NODE, table: CLIENT_CPU, row: '0', column: 'MQTT.js' }),
  'node.cpu.qos0.ratio': at({ part: NODE, table: CLIENT_CPU, row: '0', column: 'MQTT.js / ours' }),
  'node.qos1.ours': at({ part: NODE, table: CLIENT_ONLY, row: '1 (', column: 'ours msg/s' }),
  'node.qos1.mqttjs': at({ part: NODE, table: CLIENT_ONLY, row: '1 (', column: 'MQTT.js msg/s' }),
  'node.qos1.vs-mqttjs': at({ part: NODE, table: CLIENT_ONLY, row: '1 (', column: 'ours / MQTT.js' }),
  'node.rtt.p50.ours': at({ part: NODE, table: ROUND_TRIP, row: 'p50', column: 'ours' }),
  'node.rtt.p99.ours': at({ part: NODE, table: ROUND_TRIP, row: 'p99', column: 'ours' }),
  'node.rtt.p50.mqttjs': at({ part: NODE, table: ROUND_TRIP, row: 'p50', column: 'MQTT.js' }),
  'node.rtt.p99.mqttjs': at({ part: NODE, table: ROUND_TRIP, row: 'p99', column: 'MQTT.js' }),

  // part 4: parser
  'parser.1k-chunked.ours': at({ part: PARSER, row: ['1024 B payload', '64-byte chunks'], table: 'Results', column: 'ours packets/s' }),
  'parser.1k-chunked.theirs': at({ part: PARSER, row: ['1024 B payload', '64-byte chunks'], table: 'Results', column: 'mqtt-packet packets/s' }),
  'parser.target.measured': at({ part: PARSER, table: 'Targets', row: 'parser vs mqtt-packet', column: 'measured' }),
  'parser.target.status': at({ part: PARSER, table: 'Targets', row: 'parser vs mqtt-packet', column: 'status' }),

  // part 5: memory and fleet
  'fleet.idle.heap.ours': at({ part: FLEET, table: IDLE, row: 'heap + ArrayBuffers', column: 'ours (default buffers; the target uses this)' }),
  'fleet.idle.heap.mqttjs': at({ part: FLEET, table: IDLE, row: 'heap + ArrayBuffers', column: 'MQTT.js' }),
  'fleet.idle.heap.ratio': at({ part: FLEET, table: IDLE, row: 'heap + ArrayBuffers', column: 'ours / MQTT.js' }),
  'fleet.idle.heap.status': at({ part: FLEET, table: 'Targets', row: 'memory per idle client vs MQTT.js (heap + ArrayBuffers)', column: 'status' }),
  'fleet.idle.rss.ours': at({ part: FLEET, table: IDLE, row: 'RSS', column: 'ours (default buffers; the target uses this)' }),
  'fleet.idle.rss.mqttjs': at({ part: FLEET, table: IDLE, row: 'RSS', column: 'MQTT.js' }),
  'fleet.idle.rss.ratio': at({ part: FLEET, table: IDLE, row: 'RSS', column: 'ours / MQTT.js' }),
  'fleet.idle.rss.status': at({ part: FLEET, table: 'Targets', row: 'memory per idle client vs MQTT.js (RSS)', column: 'status' }),
  'fleet.idle.rss.bare-socket': at({ part: FLEET, table: IDLE, row: 'RSS', column: 'bare socket (floor)' }),
  'fleet.idle.heap.esp8266': at({ part: FLEET, table: IDLE, row: 'heap + ArrayBuffers', column: 'ours, ESP8266 buffers' }),
  'fleet.idle.heap.esp8266.ratio': at({ part: FLEET, table: IDLE, row: 'heap + ArrayBuffers', column: 'ours ESP8266 / MQTT.js' }),
  'fleet.idle.heap.lite': at({ part: FLEET, table: SIDE_BY_SIDE, row: 'mcu-mqtt LiteClient', column: 'heap + ArrayBuffers' }),
  'fleet.idle.heap.lite.ratio': at({ part: FLEET, table: SIDE_BY_SIDE, row: 'mcu-mqtt LiteClient', column: 'heap + ArrayBuffers / MQTT.js' }),
  'fleet.largest.devices': largestHealthy('devices'),
  'fleet.largest.readings': largestHealthy('readings published'),
  'fleet.largest.rss': largestHealthy('RSS / device (B)'),

  // Espruino memory (npm run test:espruino)
  'espruino.load': at({ part: ESPRUINO, table: ESP_USAGE, row: 'after load (broker away', column: 1 }),
  'espruino.connected': at({ part: ESPRUINO, table: ESP_USAGE, row: 'connected, publishing', column: 1 }),
  'espruino.queued': at({ part: ESPRUINO, table: ESP_USAGE, row: '10 readings queued', column: 1 }),
  'espruino.backlog': at({ part: ESPRUINO, table: ESP_USAGE, row: 'sending the backlog', column: 1 }),
  'espruino.full': at({ part: ESPRUINO, table: ESP_USAGE, row: 'outbox full', column: 1 }),
  'espruino.reconnects': at({ part: ESPRUINO, table: ESP_USAGE, row: 'after 20 reconnects', column: 1 }),
  'espruino.library': at({ part: ESPRUINO, table: ESP_USAGE, row: 'client.min.js + a', column: 1 }),
  'espruino.left': at({ part: ESPRUINO, table: ESP_USAGE, row: 'left for user code', column: 1 }),

  // part 1: code size
  'size.espruino.client': at({ part: SIZE, table: 'Clients minified for Espruino', row: 'LiteClient + Espruino adapter', column: 'bytes' }),
  'size.espruino.core': at({ part: SIZE, table: 'Clients minified for Espruino', row: 'core MqttClient alone', column: 'bytes' }),
  'size.espruino.upload-esp8266': at({ part: SIZE, table: 'Espruino upload files', row: 'dist/espruino/esp8266.js', column: 'bytes' }),
  'size.espruino.client-app': leadingNumber(at({ part: SIZE, table: 'Targets', row: 'client + temperature app', column: 'measured' })),
  'size.target.client.status': at({ part: SIZE, table: 'Targets', row: 'client minified for Espruino', column: 'status' }),
  'size.target.client-app.status': at({ part: SIZE, table: 'Targets', row: 'client + temperature app', column: 'status' }),
};
