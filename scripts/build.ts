// `npm run build` (after tsc): every artefact a user flashes.
//   dist/espruino/<chip>.js   upload files, through the espruino CLI, offline
//   dist/moddable/*.js        ES modules the manifests in manifests/ list
// Prints the Espruino sizes against the budget (client ≤ 5 KB, client + app ≤ 7 KB); the build
// still writes everything when over budget (it is, see the OVER BUDGET lines);
// test/espruino-build.test.ts holds a ratchet on today's sizes instead.
import { buildEspruino } from './build/espruino.js';
import { buildModdable } from './build/moddable.js';
import { CLIENT_APP_BUDGET, CLIENT_BUDGET } from './build/budget.js';

async function main(): Promise<void> {
  const log = (s: string): void => { console.log(s); };
  const sizes = await buildEspruino(log);
  await buildModdable(log);
  if (sizes.client > CLIENT_BUDGET) log('OVER BUDGET: client alone ' + sizes.client + ' > ' + CLIENT_BUDGET);
  if (sizes.clientApp > CLIENT_APP_BUDGET) log('OVER BUDGET: client + app ' + sizes.clientApp + ' > ' + CLIENT_APP_BUDGET);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack || e.message : String(e));
  process.exit(1);
});
