/**
 * h5wasm, loaded once on first use (its WebAssembly heap costs hundreds of MB
 * of resident memory, so only processes that read HDF5 pay for it), with
 * HDF5 errors thrown (with HDF5's message) instead of printed to stderr.
 * Shared by the HDF5 data source and the Keras weights reader.
 */
import type { FileHandle } from 'node:fs/promises';
import type H5wasmLibrary from 'h5wasm/node';

export type H5wasm = typeof H5wasmLibrary;

/** The eight bytes an HDF5 file starts with (at byte 0, or 512, 1024, … after a user block). */
const HDF5_SIGNATURE = Buffer.from('\x89HDF\r\n\x1a\n', 'latin1');

/** Whether the open file carries the HDF5 signature (at byte 0, 512, 1024, …), read before h5wasm is asked to open it. */
export async function carriesHdf5Signature(handle: FileHandle): Promise<boolean> {
  const { size } = await handle.stat();
  const bytes = Buffer.alloc(HDF5_SIGNATURE.length);
  for (let offset = 0; offset + HDF5_SIGNATURE.length <= size; offset = offset === 0 ? 512 : offset * 2) {
    await handle.read(bytes, 0, bytes.length, offset);
    if (bytes.equals(HDF5_SIGNATURE)) return true;
  }
  return false;
}
let h5wasm: H5wasm | undefined;
let initialized: Promise<void> | undefined;

/** Loads h5wasm (once); `h5wasmLibrary()` is usable once this resolves. */
export function initH5wasm(): Promise<void> {
  initialized ??= import('h5wasm/node').then(async ({ default: lib }) => {
    const module = await lib.ready;
    module.activate_throwing_error_handler();
    h5wasm = lib;
  });
  return initialized;
}

/** The loaded h5wasm library (after `initH5wasm`). */
export function h5wasmLibrary(): H5wasm {
  if (!h5wasm) throw new Error('h5wasm is used before initH5wasm() resolved.');
  return h5wasm;
}

/** HDF5's own reason for an error: the innermost line of its diagnostic stack ("truncated file: eof = 1200, ..."). */
export function hdf5Reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const reasons = [...text.matchAll(/#\d+: .* in [\w]+\(\): (.*)/g)].map((match) => match[1]!.trim());
  return reasons.at(-1) ?? text.split('\n')[0]!;
}
