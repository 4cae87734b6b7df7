// The Moddable SDK's ECMA-419 MQTT client (examples/io/tcp/mqttclient, "embedded:network/mqtt/
// client"), reached the way its examples do, through device.network.mqtt. Its write() takes only
// a buffer, so a string payload is converted by the caller (ArrayBuffer.fromString); the write
// options are allocated once and reused; an incoming payload is read with read(count). The
// callbacks are module-level functions, made before the harness reads the boot heap, as in the
// other apps.
import config from "mc/config";
import { run, mark } from "harness";

const MQTTClient = device.network.mqtt.io;
const payload = ArrayBuffer.fromString("21.5"); // allocated once
const qos0 = { topic: "temp", QoS: 0 }, qos1 = { topic: "temp", QoS: 1 }, humidity = { topic: "humidity", QoS: 0 };
let client = null, acked = 0, handler = null, connected = null;

function onControl(msg) {
	if (msg.operation === MQTTClient.CONNACK) { const f = connected; connected = null; if (f) f(); }
	else if (msg.operation === MQTTClient.PUBACK) acked++;
}
function onReadable(count, options) {
	this.read(count);
	if (!options.more && handler) handler();
}
function onError() { trace("BENCH error socket\n"); }

run({
	qos1: true,
	connect(onConnected) {
		connected = onConnected;
		client = new MQTTClient({
			...device.network.mqtt,
			host: config.host, port: Number(config.port), id: config.id, keepalive: 60000,
			onControl: onControl, onReadable: onReadable, onError: onError,
		});
		mark("client");
	},
	publish(qos, buffer, topic) {
		client.write(buffer ? payload : ArrayBuffer.fromString("21.5"), topic === "humidity" ? humidity : qos ? qos1 : qos0);
	},
	acked() { return acked; },
	subscribe(topic, onMessage) {
		handler = onMessage;
		client.write(null, { operation: MQTTClient.SUBSCRIBE, items: [{ topic: topic, QoS: 0 }] });
	},
});
