// The `mcu-mqtt/lite` entry: LiteClient (the compact byte-string client the Espruino build
// ships), the shapes of its options and platform, and the error type it reports with.
export { LiteClient } from './lite/client.js';
export type { LiteResult } from './lite/client.js';
export type {
  LiteOptions, LitePlatform, LiteSink, LiteTransport, LiteWill, LiteMessageInfo, LiteMessageHandler, LiteErrorHandler,
} from './lite/types.js';
export { MqttError, isMqttError } from './errors.js';
export type { MqttErrorCode } from './errors.js';
