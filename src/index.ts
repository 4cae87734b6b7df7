// The library's public surface: the client, its one error type, and the seams a platform
// adapter implements. Everything else under src/ is internal and may change.
export { MqttClient } from './client.js';
export type {
  ClientOptions, Platform, Transport, TransportSink, MessageHandler, MessageInfo, PublishResult, ServerAddress,
} from './client.js';
export { MqttError, isMqttError } from './errors.js';
export type { MqttErrorCode } from './errors.js';
export type { Will } from './codec/encode.js';
export type { SessionStats, Utf8Encoder } from './session/session.js';
export { parseBrokerUrl } from './url.js';
export type { BrokerAddress } from './url.js';
export { topicMatches } from './topic.js';
