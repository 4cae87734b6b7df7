// What a board definition says: the chip, the sensor and its pin, and buffer sizes that fit
// the chip's memory. The engine-specific files (espruino-*.ts, moddable-*.ts) fill it in.
export interface BoardDefinition {
  name: string;
  sensor: string; // human description of the wiring; nothing reads it at run time
  oneWirePin: number; // GPIO number of the DS18B20 data line (4.7 kΩ pull-up to 3V3)
  receiveBufferSize: number;
  transmitBufferSize: number;
  outboxSize: number; // QoS 1 in flight + offline backlog; a reading is ~15 bytes on the wire
  maxInflight: number;
}

// ESP8266: ~40 KB free heap under Espruino, 32 KB XS heap under Moddable — keep it small.
// 1024 bytes of outbox hold ~60 readings (about 10 minutes at the default interval).
export const ESP8266_BUFFERS = { receiveBufferSize: 512, transmitBufferSize: 256, outboxSize: 1024, maxInflight: 4 };
// ESP32: ~100+ KB free; an hour of backlog at the default interval.
export const ESP32_BUFFERS = { receiveBufferSize: 2048, transmitBufferSize: 512, outboxSize: 8192, maxInflight: 8 };
