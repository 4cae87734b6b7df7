// mcu-mqtt's MqttClient on the Moddable platform adapter, with the ESP8266 board's buffers
// (bench/moddable.ts passes boards/board.ts ESP8266_BUFFERS as config). The callbacks are
// module-level functions, made before the harness reads the boot heap, as in the other apps.
import { MqttClient, createModdablePlatform } from "mcu-mqtt";
import config from "mc/config";
import { run, mark } from "harness";

const payload = Uint8Array.of(50, 49, 46, 53); // "21.5", allocated once
let client = null, acked = 0, connected = null;

function onConnect() { const f = connected; connected = null; if (f) f(); }
function onPublished() { acked++; }
function onError(e) { trace("BENCH error " + e.code + " " + e.message + "\n"); }

run({
	qos1: true,
	connect(onConnected) {
		connected = onConnected;
		const platform = createModdablePlatform();
		mark("platform");
		client = new MqttClient({
			host: config.host, port: Number(config.port), clientId: config.id, keepalive: 60,
			receiveBufferSize: Number(config.receiveBufferSize), transmitBufferSize: Number(config.transmitBufferSize),
			outboxSize: Number(config.outboxSize), maxInflight: Number(config.maxInflight),
			platform: platform,
		});
		mark("client");
		client.onConnect = onConnect;
		client.onPublished = onPublished;
		client.onError = onError;
		client.connect();
	},
	publish(qos, buffer, topic) {
		const r = client.publish(topic || "temp", buffer ? payload : "21.5", qos);
		if (r !== "sent") trace("BENCH error publish " + r + "\n");
	},
	acked() { return acked; },
	subscribe(topic, onMessage) { client.subscribe(topic, 0, onMessage); },
});
