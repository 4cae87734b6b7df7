// The Espruino size budget (bytes of minified ES5), from issue 4.
export const CLIENT_BUDGET = 5120; // the client alone
export const CLIENT_APP_BUDGET = 7168; // client + temperature app
