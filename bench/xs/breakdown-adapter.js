/* xsmeter-adapter
{
 "name": "mcu-mqtt-parts",
 "clientEnv": "XSMETER_MCU_MQTT_PARTS",
 "client": "mcu-mqtt MqttClient (bundle entry: the project's src/index.ts), measured part by part"
}
*/
// Where MqttClient's compute per operation goes: each layer of an operation measured on its own
// with xsmeter (read by bench/xs-anchors.ts into BENCHMARKS.md part 2). The client and its fake
// platform are configured as in the workplace's adapter for the side-by-side table
// (../shared/xsmeter/adapters/mcu-mqtt.js: ESP8266 buffers, keepalive 60 s, a handler on `temp`),
// so the parts add up to that table's rows. Every standard op is marked n/a: this adapter only
// has extras, one per part.
//
// Parts reach into the client's internals (rx, _write, _message, the encoder): this file is a
// measuring probe that changes with src/, not a user of the public API.
(function () {
	"use strict";
	const X = globalThis.__xsm;

	// the transport remembers the last write (for the PUBACK's packet id), as the shared adapter
	// does, and records the bytes while xsmeter checks the CONNECT (never while measuring)
	let writes = 0, lastWrite = null, lastStart = 0, capturing = null;
	const transport = {
		write(buf, start, end) {
			writes++; lastWrite = buf; lastStart = start;
			if (capturing !== null) for (let i = start; i < end; i++) capturing.push(buf[i]);
		},
		close() {},
	};
	let clock = 1000, sink = null, timerFn = null, timerDue = 0;
	const platform = {
		connect(host, port, secure, s) { sink = s; return transport; },
		now() { return clock; },
		setTimer(ms, fn) { timerFn = fn; timerDue = clock + ms; return 1; },
		clearTimer(h) { timerFn = null; },
	};
	function fireDue() {
		const fn = timerFn;
		if (fn !== null && timerDue <= clock) { timerFn = null; fn(); }
	}

	const CONNACK = X.packet.connack();
	const PUB16 = X.packet.publish("temp", X.pattern(16)), PUB16_N = PUB16.length;
	const PUB16_T = X.packet.publish("t", X.pattern(16)), PUB16_T_N = PUB16_T.length;
	const ACK = X.packet.puback(0);
	const PINGRESP = X.packet.pingresp();
	const SCRATCH = new Uint8Array(16);
	const noopTarget = { publish(topic, payload) {} };
	// clients made by hold_client, kept so that xsmeter's retained/op is what one client holds
	// (a preallocated array: storing into it allocates nothing)
	const kept = new Array(4000).fill(null);
	let keptN = 0;
	const ESP8266 = { host: "broker.test", port: 1883, clientId: "xsmeter", keepalive: 60,
		receiveBufferSize: 512, transmitBufferSize: 256, outboxSize: 1024, maxInflight: 4, platform: platform };

	let client = null, delivered = 0;
	function onTemp(topic, payload, info) { delivered++; }

	function ackLast() {
		ACK[2] = lastWrite[lastStart + 8];
		ACK[3] = lastWrite[lastStart + 9];
		sink.onData(ACK, 0, 4);
	}

	globalThis.meterClient = {
		notes: { what: "MqttClient part by part; ESP8266 buffers (512/256/1024/4), keepalive 60 s, handler on temp" },
		na: {
			publish0: "parts only", "publish1+puback": "parts only", deliver16: "parts only", deliver1k: "parts only",
			keepalive: "parts only", "publish1-noack": "parts only",
		},
		connect() {
			client = new X.client.MqttClient(ESP8266);
			client.connect();
			sink.onOpen();
			sink.onData(CONNACK, 0, CONNACK.length);
			client.subscribe("temp", 0, onTemp);
			const suback = Uint8Array.of(0x90, 3, lastWrite[lastStart + 2], lastWrite[lastStart + 3], 0);
			sink.onData(suback, 0, suback.length);
			client.rx.feed(PUB16_T, 0, PUB16_T_N); // topic `t` into the decoder's cache too
			return client.connected;
		},
		publish0() {}, publish1() {}, ackLast() {}, deliver16() {}, deliver1k() {},
		capture(on) { capturing = on ? [] : null; },
		captured() { const c = capturing || []; capturing = null; return c; },
		stats() { return { connected: client !== null && client.connected, writes: writes, appMessages: delivered, errors: X.traceCount }; },
		lastMessage() { return undefined; },
		extras: {
			// QoS 0 publish "21.5" -> temp
			publish0() { client.publish("temp", "21.5"); },
			p0_call() { noopTarget.publish("temp", "21.5"); },
			p0_encodeInto() { client.enc.encodeInto("21.5", SCRATCH); },
			p0_write() { client._write(SCRATCH, 0, 12); },
			harness_write() { transport.write(SCRATCH, 0, 12); },
			// QoS 1 publish + PUBACK
			publish1_puback() { client.publish("temp", "21.5", 1); ackLast(); },
			publish1_ackInternal() { client.publish("temp", "21.5", 1); client.ob.ack(client.lastPacketId); },
			puback_decode() { client.rx.feed(ACK, 0, 4); },
			puback_onPublished() { client._published(1); },
			// incoming 16 B PUBLISH -> handler
			deliver16() { sink.onData(PUB16, 0, PUB16_N); },
			in_chunkEntry() { sink.onData(PUB16, 0, 0); },
			in_decode16() { client.rx.feed(PUB16, 0, PUB16_N); },
			in_decode16_topic1() { client.rx.feed(PUB16_T, 0, PUB16_T_N); },
			in_payloadView() { PUB16.subarray(8, 24); },
			in_dispatch() { client._message("temp", SCRATCH, 0, false, false); },
			in_handler() { onTemp("temp", SCRATCH, null); },
			// keepalive PINGREQ + PINGRESP
			keepalive() { clock += 60000; fireDue(); sink.onData(PINGRESP, 0, 2); },
			ka_pingresp() { sink.onData(PINGRESP, 0, 2); },
			harness_timer() { platform.setTimer(0, X.noop); fireDue(); },
			// what a client holds once created (retained/op), buffers aside (they are chunk bytes)
			hold_client() { if (keptN < kept.length) kept[keptN++] = new X.client.MqttClient(ESP8266); },
		},
	};
})();
