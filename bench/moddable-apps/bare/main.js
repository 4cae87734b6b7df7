// The harness with no client: built only, so that bench/moddable.ts can tell which compiled
// modules (.xsb) each client adds to an app.
import "harness";
trace("BENCH done\n");
