/**
 * Which dataset a source config opens: the built-in sources by `type`, and
 * datasets registered by name from plugin modules (`source.type: "plugin"`).
 * A plugin is any ES module whose default export (or `datasets` export) maps
 * names to factories, e.g.
 *
 *   export default {
 *     wearables: (options) => ({ length: rows.length, get: (i) => ({ id: rows[i].id, features: rows[i].x, label: rows[i].y }) }),
 *   };
 *
 * Workers load plugins with `epochal worker --plugins ./my-datasets.js`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DataSource } from '../config/data/sources.js';
import { DataError } from '../errors.js';
import { fromCustom, type CustomDatasetFactory } from './custom.js';
import type { Dataset, DatasetContext } from './dataset.js';
import { openCsv } from './sources/csv.js';
import { openHdf5 } from './sources/hdf5.js';
import { openJsonl } from './sources/jsonl.js';
import { openNpy, openNpz } from './sources/npy.js';
import { openSyntheticEcg } from './sources/synthetic-ecg.js';

const plugins = new Map<string, { factory: CustomDatasetFactory; module: string }>();

/** Registers a custom dataset under `name` (what `source.name` refers to). */
export function registerDataset(name: string, factory: CustomDatasetFactory, module = '(registered in code)'): void {
  plugins.set(name, { factory, module });
}

/** The module files plugins were loaded from (what another process loads to have the same datasets); undefined when one was registered in code. */
export function pluginModules(): string[] | undefined {
  const modules = [...new Set([...plugins.values()].map((plugin) => plugin.module))];
  return modules.includes('(registered in code)') ? undefined : modules;
}

/** The names of the registered custom datasets. */
export function registeredDatasets(): string[] {
  return [...plugins.keys()].sort();
}

/**
 * Imports plugin modules and registers the datasets they export. A module
 * that exports no dataset factories is an error naming the module.
 */
export async function loadPlugins(paths: readonly string[], cwd = process.cwd()): Promise<string[]> {
  const names: string[] = [];
  for (const path of paths) {
    const file = resolve(cwd, path);
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown; datasets?: unknown };
    const exported = (module.datasets ?? module.default) as Record<string, unknown> | undefined;
    const factories = Object.entries(exported ?? {}).filter(([, value]) => typeof value === 'function');
    if (factories.length === 0) {
      throw new Error(
        `Plugin ${file} exports no datasets. Export an object mapping names to factories, as \`export default { myData: (options) => ({ length, get }) }\`.`,
      );
    }
    for (const [name, factory] of factories) {
      registerDataset(name, factory as CustomDatasetFactory, file);
      names.push(name);
    }
  }
  return names;
}

/** Opens the dataset a source config describes. */
export async function openDataset(source: DataSource, context: DatasetContext): Promise<Dataset> {
  switch (source.type) {
    case 'syntheticEcg':
      return openSyntheticEcg(source, context);
    case 'hdf5':
      return openHdf5(source, context);
    case 'csv':
      return openCsv(source, context);
    case 'jsonl':
      return openJsonl(source, context);
    case 'npy':
      return openNpy(source, context);
    case 'npz':
      return openNpz(source, context);
    case 'plugin': {
      const plugin = plugins.get(source.name);
      if (!plugin) {
        const known = registeredDatasets();
        throw new DataError(
          `No dataset named "${source.name}" is registered on this worker (registered: ${known.length > 0 ? known.join(', ') : 'none'}). ` +
            'Fix: start the worker with --plugins <module> exporting it, or correct data.source.name.',
          { file: `plugin:${source.name}` },
        );
      }
      return fromCustom(await plugin.factory(source.options), { name: source.name, module: plugin.module, context });
    }
  }
}
