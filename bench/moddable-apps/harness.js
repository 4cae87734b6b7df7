// The measuring side of the Moddable benchmark apps (bench/moddable.ts builds and runs them in
// mcsim). Each app hands run() a small adapter over one MQTT client; this module drives it the
// same way for every client and prints what the XS heap did, as `BENCH <event> <numbers>` lines
// that bench/moddable.ts reads from mcsim's stdout.
//
// The heap is XS's own count of what is allocated: "XS Slot Heap Used" (slots: objects,
// properties, closures; 32 B each on a 64-bit build) plus "XS Chunk Heap Used" (strings, typed
// array and ArrayBuffer storage), both in bytes, from the Instrumentation module (-i builds).
// - live heap: after Debug.gc(), what is still reachable.
// - garbage: with collection off (Debug.gc(false)), how much more is allocated over a phase;
//   nothing is freed meanwhile, so the growth is everything the phase allocated.
//
// The adapter: { qos1, connect(onConnected), publish(qos, buffer, topic), acked(), subscribe(filter, onMessage) }
// publish(qos, buffer, topic) sends "21.5" to `topic` (default `temp`): a string when buffer is
// false, else a buffer the app allocated once (each client's own kind of buffer).
import Instrumentation from "instrumentation";
import Debug from "debug";
import Timer from "timer";
import config from "mc/config";

const SLOT = Instrumentation.map("XS Slot Heap Used");
const CHUNK = Instrumentation.map("XS Chunk Heap Used");
const PACE = 5; // ms between publishes, as a sensor that publishes often would
const EXTRA = 40; // ticks after the last publish of a phase, for its PUBACKs to arrive
const WARM = 5; // calls before the measured ones in each garbage phase
const WARM_IN = 5; // incoming messages before the measured ones

function report(line) {
	trace("BENCH " + line + "\n");
}

// The live heap as "slot chunk", after a full collection.
function live() {
	Debug.gc();
	return Instrumentation.get(SLOT) + " " + Instrumentation.get(CHUNK);
}

// Calls fn() on `count` ticks PACE ms apart, waits `extra` more ticks, then done().
function paced(count, extra, fn, done) {
	let i = 0;
	const t = Timer.repeat(function () {
		if (i < count) fn();
		if (++i === count + extra) {
			Timer.clear(t);
			done();
		}
	}, PACE);
}

// For an app to mark a step of creating its client: "mark <name> <slot> <chunk>", live.
export function mark(name) {
	report("mark " + name + " " + live());
}

export function run(client) {
	const publishes = Number(config.publishes), samples = Number(config.samples);
	const steps = [];
	let step = 0;
	function next() {
		const s = steps[step++];
		if (s) Timer.set(s, 200); // let the previous phase's last packets settle
		else report("done");
	}

	// What `samples` calls of fn allocate with collection off, callbacks it causes included, after
	// WARM calls that are not counted (what a first call allocates once is not per-call garbage;
	// it shows in the live heap instead).
	function garbage(name, fn) {
		steps.push(function () {
			paced(WARM, EXTRA, fn, function () {
				const acked = client.acked();
				Debug.gc();
				Debug.gc(false);
				const s0 = Instrumentation.get(SLOT), c0 = Instrumentation.get(CHUNK);
				paced(samples, EXTRA, fn, function () {
					const s1 = Instrumentation.get(SLOT), c1 = Instrumentation.get(CHUNK);
					Debug.gc(true);
					report("garbage " + name + " " + (s1 - s0) + " " + (c1 - c0) + " " + samples + " " + (client.acked() - acked));
					next();
				});
			});
		});
	}

	steps.push(function () {
		report("connected " + live());
		paced(publishes, EXTRA, function () { client.publish(0, false); }, next);
	});
	steps.push(function () {
		report("after " + live() + " " + publishes);
		next();
	});
	// the same timer and pacing with no publish: what the measuring itself allocates
	garbage("idle", function () {});
	garbage("qos0-string", function () { client.publish(0, false); });
	garbage("qos0-buffer", function () { client.publish(0, true); });
	if (client.qos1) {
		garbage("qos1-string", function () { client.publish(1, false); });
		garbage("qos1-buffer", function () { client.publish(1, true); });
	}
	// a device that reports two things, e.g. temperature and humidity
	let flip = false;
	garbage("qos0-two-topics", function () { flip = !flip; client.publish(0, false, flip ? "temp" : "humidity"); });
	// Incoming: bench/moddable.ts publishes messages each time it reads a "send <count> <topics>"
	// line, on the comma-separated topics in turn: WARM_IN first (the first message on a new
	// topic builds its string and handler list), then `samples` measured ones.
	function incoming(name, filter, topics) {
		steps.push(function () {
			let received = 0, s0 = 0, c0 = 0, timer = null, finished = false;
			function finish() {
				if (finished) return;
				finished = true;
				const s1 = Instrumentation.get(SLOT), c1 = Instrumentation.get(CHUNK);
				Debug.gc(true);
				if (timer) Timer.clear(timer);
				report("incoming " + name + " " + (s1 - s0) + " " + (c1 - c0) + " " + (received - WARM_IN));
				next();
			}
			function measure() {
				timer = Timer.set(function () { timer = null; finish(); }, 10000);
				report("send " + samples + " " + topics);
				Debug.gc();
				Debug.gc(false);
				s0 = Instrumentation.get(SLOT);
				c0 = Instrumentation.get(CHUNK);
			}
			client.subscribe(filter, function () {
				if (++received === WARM_IN) Timer.set(measure, 100);
				else if (received === WARM_IN + samples) finish();
			});
			Timer.set(function () { report("send " + WARM_IN + " " + topics); }, 500);
		});
	}
	const base = "bench/in/" + config.id;
	incoming("one-topic", base, base);
	incoming("two-topics", base + "/+", base + "/kitchen," + base + "/hall");
	// Everything above is the harness's own; from here on the heap grows by the client's doing.
	// Boot is read from a timer callback, as every later figure is: while the main module is
	// still being evaluated, what its stack holds would be counted at boot and freed later.
	Timer.set(function () {
		report("boot " + live());
		client.connect(next);
	}, 100);
}
