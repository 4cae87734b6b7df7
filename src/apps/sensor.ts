// What the app needs from a temperature sensor, and nothing more, so the same app runs on a
// DS18B20 on a 1-Wire pin, a simulated sensor in host-sim, or a scripted one in tests.

export interface TemperatureSensor {
  /** Degrees Celsius. Throws (any value) when the read fails. */
  read(): number;
}

// The DS18B20's datasheet range; anything outside is a failed read, not weather.
export const SENSOR_MIN = -55;
export const SENSOR_MAX = 125;
// The DS18B20's scratchpad holds exactly 85 °C after power-on until a conversion completes,
// so that value means "no conversion yet" far more often than it means a real 85 °C.
export const SENSOR_POWER_ON = 85;

/** True when `v` is a plausible reading (a number in range, and not the power-on value). */
export function isPlausibleReading(v: unknown): boolean {
  return typeof v === 'number' && v === v && v >= SENSOR_MIN && v <= SENSOR_MAX && v !== SENSOR_POWER_ON;
}

/**
 * One decimal, rounded half away from zero, never exponent notation and never "-0.0".
 * Works on integers so the result does not depend on an engine's toFixed (which rounds the
 * binary value: 21.45 → "21.4"). The 1e-9 nudge makes a decimal half a half again.
 */
export function formatCelsius(v: number): string {
  const neg = v < 0;
  const tenths = Math.round((neg ? -v : v) * 10 + 1e-9);
  const whole = Math.floor(tenths / 10);
  const frac = tenths - whole * 10;
  return (neg && tenths !== 0 ? '-' : '') + whole + '.' + frac;
}
