/**
 * A dry run computes everything a real run would and keeps none of it: the work runs inside a
 * transaction that is rolled back, so what it reports is what a real run would have written.
 */
import type { Store } from '../../store/store.js';

class DryRunDone<T> extends Error {
  constructor(readonly value: T) {
    super('dry run rolled back');
  }
}

/**
 * Runs `work` in a transaction, kept unless `dryRun`. Inside a caller's own dry run (a
 * transaction already open) the rollback is the caller's: this one only returns the value.
 */
export async function runOrRollBack<T>(store: Store, dryRun: boolean, work: () => Promise<T>): Promise<T> {
  if (!dryRun) return store.transaction(work);
  try {
    await store.transaction(async () => {
      throw new DryRunDone(await work());
    });
  } catch (error) {
    if (error instanceof DryRunDone) return error.value as T;
    throw error;
  }
  throw new Error('unreachable: a dry run always rolls back');
}
