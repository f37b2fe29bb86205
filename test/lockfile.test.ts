/**
 * `npm ci` installs exactly what package-lock.json holds, and refuses a lockfile that lacks an
 * optional dependency some platform would install (a Mac or arm64 user's DuckDB binding). So
 * the lockfile must list every optional dependency of every package it locks, whatever the
 * platform this test runs on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

interface LockedPackage {
  readonly version?: string;
  readonly optionalDependencies?: Record<string, string>;
}

describe('package-lock.json', () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockedPackage>;
  };
  const packages = lock.packages;

  it("holds every platform's DuckDB binding", () => {
    const bindings = packages['node_modules/@duckdb/node-bindings']?.optionalDependencies ?? {};
    // linux x64/arm64 (glibc and musl), macOS x64/arm64, Windows x64/arm64.
    expect(Object.keys(bindings).length).toBeGreaterThanOrEqual(8);
    for (const [name, version] of Object.entries(bindings))
      expect(packages[`node_modules/${name}`]?.version, name).toBe(version);
  });

  it('locks every optional dependency of every locked package', () => {
    const missing: string[] = [];
    for (const [path, locked] of Object.entries(packages)) {
      for (const name of Object.keys(locked.optionalDependencies ?? {})) {
        // npm resolves a dependency from the package's own node_modules up to the root.
        const parts = path.split('node_modules/').length;
        const candidates = [`${path}/node_modules/${name}`, `node_modules/${name}`];
        if (parts > 2) candidates.push(`${path.slice(0, path.lastIndexOf('/node_modules/'))}/node_modules/${name}`);
        if (!candidates.some((candidate) => candidate in packages)) missing.push(`${path} → ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
