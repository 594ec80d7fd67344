/** Schema pieces shared by net, train and infer params. */
import { z } from 'zod';
import { BACKEND_REQUESTS } from '../backend/names.js';

/** A name used in weight names, run folders and search attributes: lower_snake_case. */
export const Identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, {
    error: (iss) =>
      `Expected a lower_snake_case name (a-z, 0-9, _; starting with a letter), but got ${JSON.stringify(iss.input)}.`,
  })
  .max(64);

/** An experiment or model name: letters, digits, `-`, `_`, `.`; safe in paths and UI filters. */
export const Slug = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    error: (iss) => `Expected a name of letters, digits, ".", "_" or "-", but got ${JSON.stringify(iss.input)}.`,
  })
  .max(100);

/** A file or folder path; relative paths resolve against the folder of the config file that names them. */
export const FilePath = z.string().min(1).describe('A path; relative paths resolve against the folder of this config file.');

export const PositiveInt = z.int().min(1);
/** The widest layer (units, filters, channels, kernel) a network may declare: wider ones exhaust memory before they train. */
export const MAX_WIDTH = 65_536;
export const Probability = z.number().min(0).max(1);
export const Rate = z.number().min(0).lt(1);
export const Seed = z.int().min(0).max(2 ** 31 - 1).describe('Random seed; the same seed gives the same result.');

/** The `$schema` key editors use to find the JSON Schema; ignored by Epochal. */
export const SchemaRef = z.string().optional().describe('JSON Schema reference for editors; ignored by Epochal.');

/**
 * Which TensorFlow.js backend runs the model: `tensorflow` (@tensorflow/tfjs-node-gpu
 * or @tensorflow/tfjs-node), `webgpu` (the `webgpu` package), `wasm`, `cpu` (pure
 * JS), or `auto`: the first of these that starts on the worker. A worker's
 * `EPOCHAL_BACKEND` overrides it.
 */
export const Backend = z
  .enum(BACKEND_REQUESTS)
  .default('auto')
  .describe('TensorFlow.js backend: auto (best available), tensorflow, webgpu, wasm or cpu; EPOCHAL_BACKEND on a worker overrides it.');
export type Backend = z.infer<typeof Backend>;

/** A Temporal task queue name. */
export const TaskQueue = z.string().min(1).max(200);
