// MQTT 3.1.1 control packet types (the high nibble of the first byte).
export const CONNECT = 1, CONNACK = 2, PUBLISH = 3, PUBACK = 4, PUBREC = 5, PUBREL = 6, PUBCOMP = 7,
  SUBSCRIBE = 8, SUBACK = 9, UNSUBSCRIBE = 10, UNSUBACK = 11, PINGREQ = 12, PINGRESP = 13, DISCONNECT = 14;

// Largest value the 4-byte variable-length "remaining length" can hold (MQTT 3.1.1 §2.2.3).
export const MAX_REMAINING_LENGTH = 268435455;
// Length-prefixed strings and binary fields carry a 2-byte length.
export const MAX_STRING_BYTES = 65535;

// SUBACK return code for a refused filter.
export const SUBACK_FAILURE = 0x80;

// Names for error messages, indexed by packet type. Frozen: Moddable's linker keeps a frozen
// module-level array in flash instead of copying it into RAM.
export const PACKET_NAMES = Object.freeze(['reserved type 0', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL',
  'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'reserved type 15']);
