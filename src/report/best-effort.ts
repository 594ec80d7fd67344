/** Reports are views of a run, never a reason to fail it: writing one that fails costs a warning, nothing else. */

/** Runs `write`; its failure is logged through `warn` and gives undefined. */
export async function bestEffort<T>(what: string, write: () => Promise<T>, warn: (message: string) => void = console.warn): Promise<T | undefined> {
  try {
    return await write();
  } catch (error) {
    warn(`${what} could not be written: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
