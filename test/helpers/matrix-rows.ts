// The rows of the broker compatibility table and the shape of a recorded cell, apart from the
// tests (test/helpers/matrix.ts) so scripts/broker-table.ts can read them without loading ava.
export const ROWS = ['anonymous connect', 'password connect', 'QoS 0/1 round trip', 'retained', 'will on abrupt loss',
  'persistent session resumed', 'broker restart mid-stream'];

export interface Cell { status: 'ok' | 'failed' | 'n/a'; note: string }
export interface MatrixResults {
  broker: string; version: string; persistence: string; date: string;
  cells: Record<string, Record<string, Cell>>;   // row → client → cell
}
