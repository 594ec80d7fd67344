/**
 * The bytes of a TensorBoard event file: `tensorflow.Event` protobufs (only
 * the fields scalars need) in TFRecord framing, each record checked by a
 * masked CRC32C as TensorBoard's reader expects.
 */
import { crc32c } from '@node-rs/crc32';
import { Root, type Type } from 'protobufjs';

/** The subset of tensorflow/core/util/event.proto and summary.proto that scalar summaries use (same field numbers). */
const EVENT_PROTO = Root.fromJSON({
  nested: {
    tensorflow: {
      nested: {
        Event: {
          fields: {
            wall_time: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            file_version: { type: 'string', id: 3 },
            summary: { type: 'Summary', id: 5 },
          },
        },
        Summary: {
          fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
          nested: {
            Value: {
              oneofs: { value: { oneof: ['simple_value'] } },
              fields: {
                tag: { type: 'string', id: 1 },
                simple_value: { type: 'float', id: 2 },
              },
            },
          },
        },
      },
    },
  },
});
const EVENT: Type = EVENT_PROTO.lookupType('tensorflow.Event');

/** One `tensorflow.Event`: the file-version header, or the scalar values recorded at one step. */
export type EventMessage =
  | { wallTime: number; fileVersion: string }
  | { wallTime: number; step: number; values: readonly { tag: string; value: number }[] };

/**
 * Encodes one Event. `simple_value` sits in the `value` oneof, as in
 * TensorFlow's proto: TensorBoard reads a value through that oneof, and only
 * a oneof member is written when it is 0 (plain proto3 fields are skipped).
 */
export function encodeEvent(event: EventMessage): Uint8Array {
  const message =
    'fileVersion' in event
      ? { wall_time: event.wallTime, file_version: event.fileVersion }
      : { wall_time: event.wallTime, step: event.step, summary: { value: event.values.map(({ tag, value }) => ({ tag, simple_value: value })) } };
  return EVENT.encode(EVENT.fromObject(message)).finish();
}

/** Frames `data` as one TFRecord: length (uint64 LE), its masked CRC32C, the data, the data's masked CRC32C. */
export function tfRecord(data: Uint8Array): Buffer {
  const record = Buffer.alloc(12 + data.length + 4);
  record.writeBigUInt64LE(BigInt(data.length), 0);
  record.writeUInt32LE(maskedCrc32c(record.subarray(0, 8)), 8);
  record.set(data, 12);
  record.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return record;
}

/** TFRecord's masked CRC32C: the checksum rotated right by 15 bits plus a constant, so that CRCs of CRCs do not collide. */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}
