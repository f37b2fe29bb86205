/**
 * The demo store: generate a synthetic store as canonical files, then import them through the
 * same importer a real store's files go through, and record the generator's true parameters so
 * later predictions can be checked against them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importFile, type ImportProgress, type ImportResult } from '../ingest/import-file.js';
import { ENTITY_KINDS } from '../store/entities.js';
import { sql } from '../store/sql.js';
import type { Store } from '../store/store.js';
import { generateStore, type GeneratedStore, type GenerateStoreOptions } from './generate-store.js';

export interface LoadDemoOptions extends GenerateStoreOptions {
  readonly rejectsDir: string;
  readonly onGenerateProgress?: (done: number, total: number) => void;
  readonly onImportProgress?: (progress: ImportProgress) => void;
}

export interface LoadedDemo {
  readonly generated: GeneratedStore;
  readonly imports: readonly ImportResult[];
}

export async function loadDemo(store: Store, options: LoadDemoOptions): Promise<LoadedDemo> {
  const dir = mkdtempSync(join(tmpdir(), 'huiyuan-demo-'));
  try {
    const generated = await generateStore(dir, options, options.onGenerateProgress);
    const imports: ImportResult[] = [];
    await store.transaction(async () => {
      for (const kind of ENTITY_KINDS) {
        imports.push(
          await importFile(store, generated.files[kind], {
            kind,
            rejectsDir: options.rejectsDir,
            ...(options.onImportProgress ? { onProgress: options.onImportProgress } : {}),
          }),
        );
      }
      await store.run(
        sql`INSERT INTO generator_truth VALUES (current_timestamp, ${options.seed}, ${JSON.stringify(generated.truth)})`,
      );
    });
    return { generated, imports };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
