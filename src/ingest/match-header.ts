/**
 * Checks a file's header against an entity's columns, and picks the entity when none was given.
 * A typo gets the closest expected name; a missing required column is named; the full list of
 * expected columns is part of every message.
 */
import { closest, distance } from 'fastest-levenshtein';
import { AppError } from '../errors.js';
import { ENTITIES, ENTITY_KINDS, type EntityKind } from '../store/entities.js';

export interface HeaderMatch {
  readonly kind: EntityKind;
  /** Canonical column name → the header name as written in the file. */
  readonly columns: ReadonlyMap<string, string>;
}

interface HeaderProblems {
  readonly unknown: readonly string[];
  readonly missing: readonly string[];
  readonly duplicated: readonly string[];
}

const normalise = (name: string): string => name.trim().toLowerCase();

function findProblems(kind: EntityKind, header: readonly string[]): HeaderProblems {
  const expected = new Set(ENTITIES[kind].columns.map((c) => c.name));
  const seen = new Set<string>();
  const duplicated: string[] = [];
  for (const name of header.map(normalise)) {
    if (seen.has(name)) duplicated.push(name);
    seen.add(name);
  }
  return {
    unknown: header.filter((name) => !expected.has(normalise(name))),
    missing: ENTITIES[kind].columns.filter((c) => c.required && !seen.has(c.name)).map((c) => c.name),
    duplicated,
  };
}

function suggest(name: string, candidates: readonly string[]): string {
  if (candidates.length === 0) return '';
  const best = closest(normalise(name), [...candidates]);
  // Only suggest a name that is plausibly a typo of this one.
  return distance(normalise(name), best) <= Math.max(2, Math.floor(best.length / 3))
    ? `; did you mean '${best}'?`
    : '';
}

/** Matches the header to `kind`, or throws BAD_HEADER naming what is wrong and where. */
export function matchHeader(file: string, kind: EntityKind, header: readonly string[]): HeaderMatch {
  const problems = findProblems(kind, header);
  const expectedNames = ENTITIES[kind].columns.map((c) => c.name);
  const expected = `expected columns for ${kind}: ${expectedNames.join(', ')} (required: ${ENTITIES[
    kind
  ].columns
    .filter((c) => c.required)
    .map((c) => c.name)
    .join(', ')})`;
  const firstDuplicate = problems.duplicated[0];
  if (firstDuplicate !== undefined) {
    throw new AppError('BAD_HEADER', `${file}: header has column '${firstDuplicate}' twice`);
  }
  const firstUnknown = problems.unknown[0];
  if (firstUnknown !== undefined) {
    const present = new Set(header.map(normalise));
    const candidates = expectedNames.filter((name) => !present.has(name));
    throw new AppError(
      'BAD_HEADER',
      `${file}: header column '${firstUnknown}' is not a column of ${kind}${suggest(firstUnknown, candidates)} (${expected})`,
    );
  }
  const firstMissing = problems.missing[0];
  if (firstMissing !== undefined) {
    throw new AppError('BAD_HEADER', `${file}: header lacks required column '${firstMissing}' (${expected})`);
  }
  return { kind, columns: new Map(header.map((name) => [normalise(name), name])) };
}

/**
 * Picks the one entity whose columns the header fits; throws when none or several fit.
 * `storeFormats` names the store exports that were tried first, for the message.
 */
export function detectKind(
  file: string,
  header: readonly string[],
  storeFormats: readonly string[] = [],
): EntityKind {
  const fitting = ENTITY_KINDS.filter((kind) => {
    const problems = findProblems(kind, header);
    return problems.unknown.length === 0 && problems.missing.length === 0;
  });
  if (fitting.length === 1 && fitting[0] !== undefined) return fitting[0];
  const shown = header.slice(0, 8).join(', ') + (header.length > 8 ? ', …' : '');
  if (fitting.length > 1) {
    throw new AppError(
      'BAD_ARGUMENT',
      `${file}: the header (${shown}) fits ${fitting.join(' and ')}; say which with --kind`,
    );
  }
  // Name the closest kind so a typo in one header name still points the right way.
  const ranked = ENTITY_KINDS.map((kind) => ({ kind, problems: findProblems(kind, header) })).sort(
    (x, y) =>
      x.problems.unknown.length +
      x.problems.missing.length -
      (y.problems.unknown.length + y.problems.missing.length),
  );
  const nearest = ranked[0];
  if (nearest && nearest.problems.unknown.length < header.length) matchHeader(file, nearest.kind, header);
  throw new AppError(
    'BAD_HEADER',
    `${file}: the header (${shown}) is neither a known store export${storeFormats.length ? ` (${storeFormats.join(', ')})` : ''} nor a canonical file (${ENTITY_KINDS.join(', ')}); give --store-format or --kind, or see docs/data-model.md and docs/formats.md`,
  );
}
