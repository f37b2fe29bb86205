/**
 * Damaged files, as they reach a store operator: cut off by a failed download, with bytes
 * flipped on a bad disk, with a multi-byte character cut in half, or saved again with CRLF line
 * ends or a byte-order mark. For every store format and every canonical kind, a real file (the
 * public data sets in /work/shared/data, or their first rows) or a fixture is damaged in each of
 * these ways, with a seeded generator so a failure can be replayed, and imported the way the CLI
 * imports it (importFile, format detected from the file).
 *
 * Every case must end in one of two ways:
 * - refused: an AppError that is not a bug (no INTERNAL), on one line naming the file; the
 *   database files (the .duckdb and its .wal) byte for byte as before; no temporary copy left;
 * - imported: every entity table changed by exactly what the import reports; a file saved again
 *   with CRLF or a BOM holds the same rows as the original, so it changes nothing.
 *
 * A few cases run the built CLI as a separate process, to see the exit code, the one line on
 * stderr and the database file after the process has closed it.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import { importFile, type ImportResult } from '../src/ingest/import-file.js';
import { ENTITIES, ENTITY_KINDS, type EntityKind } from '../src/store/entities.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { raw } from '../src/store/sql.js';
import type { Store } from '../src/store/store.js';
import { EXAMPLES, makeTempDir, ROOT, runCli, SHARED_DATA } from './helpers.js';
import { Random } from '../src/demo/random.js';

const FIXTURES = join(ROOT, 'test', 'fixtures');

interface Source {
  /** The format the file is of ('canonical orders' for a canonical file). */
  readonly format: string;
  readonly fileName: string;
  /** The file as stored (gzip-compressed when `gzip`). */
  readonly bytes: Buffer;
  readonly gzip: boolean;
  readonly encoding: 'utf-8' | 'gbk';
}

const firstLines = (text: string, lines: number): string =>
  `${text.split('\n').slice(0, lines).join('\n')}\n`;
const fixture = (...path: string[]): Buffer => readFileSync(join(FIXTURES, ...path));
/**
 * A real file of /work/shared/data, or where the data sets are absent the fixture of the same
 * layout, gzipped, so the test never skips.
 */
const realGzip = (folder: string, fileName: string, fallback: string): Buffer => {
  const path = join(SHARED_DATA, folder, fileName);
  return existsSync(path) ? readFileSync(path) : gzipSync(readFileSync(join(FIXTURES, fallback)));
};
/** The first rows of a large real file, gzipped again, so each import takes a fraction of a second. */
const realHead = (lines: number, folder: string, fileName: string, fallback: string): Buffer =>
  gzipSync(firstLines(gunzipSync(realGzip(folder, fileName, fallback)).toString('utf8'), lines));

function sources(): Source[] {
  const canonical = ENTITY_KINDS.map((kind): Source => ({
    format: `canonical ${kind}`,
    fileName: `${kind}.csv`,
    bytes: readFileSync(join(EXAMPLES, `${kind}.csv`)),
    gzip: false,
    encoding: 'utf-8',
  }));
  const taobao = (name: string, format: string, encoding: Source['encoding']): Source => ({
    format,
    fileName: name,
    bytes:
      encoding === 'gbk'
        ? iconv.encode(fixture('taobao', name).toString('utf8'), 'gbk')
        : fixture('taobao', name),
    gzip: false,
    encoding,
  });
  const utf8 = (format: string, fileName: string, bytes: Buffer, gzip: boolean): Source => ({
    format,
    fileName,
    bytes,
    gzip,
    encoding: 'utf-8',
  });
  return [
    ...canonical,
    taobao('ExportOrderList201712312359.csv', 'taobao-orders', 'gbk'),
    taobao('ExportOrderList201912312359.csv', 'taobao-orders', 'utf-8'),
    taobao('qianniu-order-sheet.csv', 'taobao-qianniu', 'utf-8'),
    taobao('ExportOrderDetailList201712312359.csv', 'taobao-items', 'gbk'),
    taobao('ExportRefundList201912312359.csv', 'taobao-refunds', 'gbk'),
    utf8('shopify-orders', 'orders_export.csv', fixture('shopify', 'orders_export.csv'), false),
    utf8('shopify-customers', 'customers_export.csv', fixture('shopify', 'customers_export.csv'), false),
    utf8(
      'online-retail',
      'OnlineRetail.csv.gz',
      realHead(2000, 'online-retail', 'OnlineRetail.csv.gz', 'online-retail/OnlineRetail_head.csv'),
      true,
    ),
    utf8(
      'cdnow',
      'CDNOW_master.txt.gz',
      realHead(4000, 'cdnow', 'CDNOW_master.txt.gz', 'cdnow/CDNOW_master.txt'),
      true,
    ),
    utf8(
      'cdnow-sample',
      'CDNOW_sample.txt.gz',
      realGzip('cdnow', 'CDNOW_sample.txt.gz', 'cdnow/CDNOW_sample.txt'),
      true,
    ),
    utf8(
      'cdnow-elog',
      'cdnowElog.csv.gz',
      realGzip('cdnow', 'cdnowElog.csv.gz', 'cdnow/cdnowElog.csv'),
      true,
    ),
    utf8(
      'userbehavior',
      'UserBehavior.csv.gz',
      realGzip('taobao-userbehavior', 'UserBehavior_head4321.csv.gz', 'userbehavior/UserBehavior_head.csv'),
      true,
    ),
  ];
}

/** The project's seeded generator (src/demo/random.ts) as a function, so every run draws the same. */
function seeded(seed: number): () => number {
  const random = new Random(seed);
  return () => random.nextFloat();
}

interface Damage {
  readonly name: string;
  readonly bytes: Buffer;
  /** The damage keeps every row as it was (CRLF, BOM): the import must then change nothing. */
  readonly sameRows: boolean;
}

/** Applies a change to the text bytes, compressing again when the file is gzip. */
function onText(source: Source, change: (text: Buffer) => Buffer | null): Buffer | null {
  const text = source.gzip ? gunzipSync(source.bytes) : source.bytes;
  const changed = change(text);
  if (!changed) return null;
  return source.gzip ? gzipSync(changed) : changed;
}

/**
 * Where a multi-byte character ends right before an ASCII byte (a delimiter, a quote, a line
 * end), near the middle of the text: cutting its last byte leaves a lead byte that no encoding
 * can complete. Returns [start, length] of the character, or null when the text is ASCII.
 */
function multiByteCharacter(text: Buffer, encoding: Source['encoding']): [number, number] | null {
  const characters: [number, number][] = [];
  for (let index = 0; index < text.length;) {
    const byte = text[index] ?? 0;
    let length = 1;
    if (encoding === 'gbk') length = byte >= 0x81 ? 2 : 1;
    else if (byte >= 0xf0) length = 4;
    else if (byte >= 0xe0) length = 3;
    else if (byte >= 0xc0) length = 2;
    if (length > 1 && (text[index + length] ?? 0x0a) < 0x80) characters.push([index, length]);
    index += length;
  }
  return characters[Math.floor(characters.length / 2)] ?? null;
}

function damages(source: Source, random: () => number): Damage[] {
  const size = source.bytes.length;
  const list: Damage[] = [];
  const add = (name: string, bytes: Buffer | null, sameRows = false): void => {
    if (bytes) list.push({ name, bytes, sameRows });
  };
  // First the ones that keep every row: they are checked against the original's rows.
  add(
    'saved with CRLF line ends',
    onText(source, (text) => Buffer.from(text.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1')),
    true,
  );
  if (source.encoding === 'utf-8') {
    add(
      'saved with a byte-order mark',
      onText(source, (text) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text])),
      true,
    );
  }
  for (let cut = 0; cut < 10; cut++) {
    const at = 1 + Math.floor(random() * (size - 1));
    add(`cut after ${at} of ${size} bytes`, source.bytes.subarray(0, at));
  }
  for (const flips of [1, 12]) {
    const bytes = Buffer.from(source.bytes);
    const where: number[] = [];
    for (let flip = 0; flip < flips; flip++) {
      const at = Math.floor(random() * size);
      bytes[at] = (bytes[at] ?? 0) ^ (1 + Math.floor(random() * 255));
      where.push(at);
    }
    add(`${flips} byte(s) flipped at ${where.join(', ')}`, bytes);
  }
  add(
    `a ${source.encoding === 'gbk' ? 'GBK' : 'UTF-8'} character cut in half mid-file`,
    onText(source, (text) => {
      const found = multiByteCharacter(text, source.encoding);
      if (!found) return null;
      const [start, length] = found;
      return Buffer.concat([text.subarray(0, start + length - 1), text.subarray(start + length)]);
    }),
  );
  add(
    `the file ending inside a ${source.encoding === 'gbk' ? 'GBK' : 'UTF-8'} character`,
    onText(source, (text) => {
      const found = multiByteCharacter(text, source.encoding);
      return found ? text.subarray(0, found[0] + found[1] - 1) : null;
    }),
  );
  return list;
}

const sha256 = (path: string): string =>
  existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'absent';

/** The database as bytes on disk: the file and its write-ahead log. */
const databaseBytes = (path: string): string => `${sha256(path)} wal:${sha256(`${path}.wal`)}`;

async function countRows(store: Store): Promise<Record<EntityKind, number>> {
  const counts = {} as Record<EntityKind, number>;
  for (const kind of ENTITY_KINDS) {
    const [row] = await store.query<{ n: number }>(
      raw(`SELECT count(*)::INTEGER AS n FROM ${ENTITIES[kind].table}`),
    );
    counts[kind] = row?.n ?? 0;
  }
  return counts;
}

/** Temporary copies this process made (prepare-text.ts names them huiyuan-<pid>-…). */
const ownTemporaryFiles = (folder: string): string[] =>
  readdirSync(folder).filter((name) => name.startsWith(`huiyuan-${process.pid}-`));

const TIMEZONE = 'Asia/Shanghai';
let work: string;

beforeAll(() => {
  work = makeTempDir();
});

const SOURCES = sources();
const outcomes: string[] = [];

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  // One line per case, for a reader who wants to see what the damage did.
  if (process.env.HUIYUAN_FUZZ_LOG) writeFileSync(process.env.HUIYUAN_FUZZ_LOG, outcomes.join('\n'));
});

describe('damaged files are refused whole, or imported correctly', () => {
  it.each(SOURCES.map((source, index) => [source.format, source.fileName, source, index] as const))(
    '%s (%s)',
    async (_format, _name, source, index) => {
      const folder = join(work, `source-${index}`);
      mkdirSync(folder);
      const databasePath = join(folder, 'store.duckdb');
      const rejectsDir = join(folder, 'rejects');
      const store = await DuckDBStore.open({ path: databasePath, timezone: TIMEZONE });
      try {
        const original = join(folder, source.fileName);
        writeFileSync(original, source.bytes);
        const baseline = await importFile(store, original, { rejectsDir });
        expect(baseline.format).toContain(source.format.replace(/^canonical .*/, 'canonical'));
        const baselineRows = await countRows(store);

        const cases = damages(source, seeded(1500 + index));
        for (const [caseIndex, damage] of cases.entries()) {
          const path = join(folder, `${caseIndex}-${source.fileName}`);
          writeFileSync(path, damage.bytes);
          const before = { bytes: databaseBytes(databasePath), rows: await countRows(store) };
          let result: ImportResult | undefined;
          let error: unknown;
          try {
            result = await importFile(store, path, { rejectsDir });
          } catch (thrown) {
            error = thrown;
          }
          const label = `${source.format} ${source.fileName}: ${damage.name}`;
          expect(ownTemporaryFiles(tmpdir()), label).toEqual([]);
          if (error !== undefined) {
            outcomes.push(`${label} → refused: ${(error as Error).message}`);
            expect(error, `${label}: ${(error as Error).message}`).toBeInstanceOf(AppError);
            const refusal = error as AppError;
            expect(refusal.code, `${label}: ${refusal.message}`).not.toBe('INTERNAL');
            expect(refusal.message, label).not.toContain('\n');
            expect(refusal.message, label).toContain(basename(path));
            expect(databaseBytes(databasePath), `${label}: database bytes`).toBe(before.bytes);
            expect(damage.sameRows, `${label} keeps every row, yet was refused: ${refusal.message}`).toBe(
              false,
            );
            continue;
          }
          const imported = result!;
          outcomes.push(
            `${label} → imported ${imported.rowsRead} rows (+${imported.inserted} ~${imported.updated} =${imported.unchanged})`,
          );
          const after = await countRows(store);
          for (const entity of imported.entities) {
            expect(after[entity.kind] - before.rows[entity.kind], `${label}: ${entity.kind}`).toBe(
              entity.inserted,
            );
          }
          if (damage.sameRows) {
            expect({ inserted: imported.inserted, updated: imported.updated }, label).toEqual({
              inserted: 0,
              updated: 0,
            });
            expect(after, label).toEqual(baselineRows);
          }
        }
      } finally {
        await store.close();
      }
    },
  );
});

describe('the CLI, as a separate process', () => {
  /** A store that already holds data, closed, so its file can be compared byte for byte. */
  async function storeWithData(folder: string): Promise<string> {
    const path = join(folder, 'store.duckdb');
    const store = await DuckDBStore.open({ path, timezone: TIMEZONE });
    try {
      await importFile(store, join(EXAMPLES, 'customers.csv'), { rejectsDir: join(folder, 'rejects') });
    } finally {
      await store.close();
    }
    return path;
  }

  it.each([
    ['cdnow', 'cdnow', 'CDNOW_master.txt.gz', 'cdnow/CDNOW_master.txt'],
    ['cdnow-elog', 'cdnow', 'cdnowElog.csv.gz', 'cdnow/cdnowElog.csv'],
    [
      'userbehavior',
      'taobao-userbehavior',
      'UserBehavior_head4321.csv.gz',
      'userbehavior/UserBehavior_head.csv',
    ],
  ])(
    'a %s gzip cut off exits 5 with one line; the database and the temporary folder are as before',
    async (_format, folderName, fileName, fallback) => {
      const folder = mkdtempSync(join(work, 'cli-'));
      const temporary = join(folder, 'tmp');
      mkdirSync(temporary);
      const databasePath = await storeWithData(folder);
      const before = databaseBytes(databasePath);
      const cut = join(folder, fileName);
      const whole = realGzip(folderName, fileName, fallback);
      writeFileSync(cut, whole.subarray(0, Math.min(100_000, Math.floor(whole.length / 2))));

      const run = runCli(['--db', databasePath, 'import', '--quiet', cut], { env: { TMPDIR: temporary } });
      expect(run.status).toBe(5);
      expect(run.stderr).toBe(
        `huiyuan: ${cut}: the gzip data is truncated or corrupt (unexpected end of file); nothing was imported\n`,
      );
      expect(databaseBytes(databasePath)).toBe(before);
      expect(readdirSync(temporary)).toEqual([]);
    },
  );

  it('a GBK Taobao export with a character cut in half exits 5 naming the line', async () => {
    const folder = mkdtempSync(join(work, 'cli-'));
    const databasePath = await storeWithData(folder);
    const before = databaseBytes(databasePath);
    const text = iconv.encode(fixture('taobao', 'ExportOrderList201712312359.csv').toString('utf8'), 'gbk');
    const [start, length] = multiByteCharacter(text, 'gbk')!;
    const path = join(folder, 'ExportOrderList201712312359.csv');
    writeFileSync(path, Buffer.concat([text.subarray(0, start + length - 1), text.subarray(start + length)]));
    const line = text.subarray(0, start).toString('latin1').split('\n').length;

    const run = runCli(['--db', databasePath, 'import', '--quiet', path]);
    expect(run.status).toBe(5);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      `huiyuan: ${path}:${line}: bytes that are not GBK/GB18030 text, though the file is GBK/GB18030: the file is damaged or mixes encodings; export it again`,
    ]);
    expect(databaseBytes(databasePath)).toBe(before);
  });
});
