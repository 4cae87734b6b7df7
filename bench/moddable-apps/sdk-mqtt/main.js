// The Moddable SDK's own client, modules/network/mqtt ("mqtt"): QoS 0 only. Its publish takes a
// string or an ArrayBuffer; messages arrive as (topic, ArrayBuffer). The callbacks are
// module-level functions, made before the harness reads the boot heap, as in the other apps.
import Client from "mqtt";
import config from "mc/config";
import { run, mark } from "harness";

const payload = ArrayBuffer.fromString("21.5"); // allocated once
let client = null, handler = null, connected = null;

function onReady() { const f = connected; connected = null; if (f) f(); }
function onMessage() { if (handler) handler(); }
function onClose() { trace("BENCH error closed\n"); }

run({
	qos1: false,
	connect(onConnected) {
		connected = onConnected;
		client = new Client({ host: config.host, port: Number(config.port), id: config.id, timeout: 60000 });
		mark("client");
		client.onReady = onReady;
		client.onMessage = onMessage;
		client.onClose = onClose;
	},
	publish(qos, buffer, topic) { client.publish(topic || "temp", buffer ? payload : "21.5"); },
	acked() { return 0; },
	subscribe(topic, onMessage) { handler = onMessage; client.subscribe(topic); },
});
