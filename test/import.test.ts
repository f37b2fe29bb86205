/**
 * Canonical import, end to end against a real DuckDB file: each kind round-trips, bad input
 * leaves the database exactly as it was, re-import is a no-op and changed rows update.
 * Expected values are computed here from the raw files, independently of the importer.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import { importFile } from '../src/ingest/import-file.js';
import { ENTITIES, ENTITY_KINDS, GMV_STATUSES, type EntityKind } from '../src/store/entities.js';
import { raw } from '../src/store/sql.js';
import type { Store } from '../src/store/store.js';
import {
  centsToString,
  EXAMPLES,
  fingerprint,
  makeTempDir,
  openTempStore,
  readCsv,
  runCli,
  toCents,
  type TempStore,
} from './helpers.js';
import { STORE_FORMAT_NAMES } from '../src/ingest/formats/index.js';

let temp: TempStore;
let store: Store;
let files: string;

beforeEach(async () => {
  temp = await openTempStore();
  store = temp.store;
  files = makeTempDir();
});
afterEach(async () => {
  await temp.cleanup();
});

const exampleFile = (kind: EntityKind): string => join(EXAMPLES, `${kind}.csv`);
const importOptions = (): { rejectsDir: string } => ({ rejectsDir: join(temp.dir, 'rejects') });

/** Expected stored text of a raw cell, by column type, computed without the importer. */
function expectedCell(kind: EntityKind, column: string, value: string | undefined): string | null {
  const spec = ENTITIES[kind].columns.find((c) => c.name === column)!;
  const cell = value?.trim() ?? '';
  if (cell === '') {
    if (spec.default === undefined) return null; // sessions.bounced is derived: checked separately
    const literal = spec.default.replaceAll("'", '');
    return spec.type === 'money' ? centsToString(toCents(literal)) : literal;
  }
  switch (spec.type) {
    case 'timestamp':
      // Naive local time in the store's timezone, Asia/Shanghai = UTC+8 (no DST).
      return String(Date.parse(`${cell.replace(' ', 'T')}+08:00`));
    case 'money':
      return centsToString(toCents(cell));
    case 'boolean':
      return ['true', 'yes', '1', 't', 'y', '是'].includes(cell.toLowerCase()) ? 'true' : 'false';
    case 'gender':
      return ({ 男: 'male', m: 'male', 女: 'female', f: 'female' } as Record<string, string>)[cell] ?? cell;
    case 'json':
      return JSON.stringify(JSON.parse(cell));
    default:
      return cell;
  }
}

/** Stored rows as text in the same forms as expectedCell, keyed by the entity key. */
async function storedRows(kind: EntityKind): Promise<Map<string, Record<string, string | null>>> {
  const entity = ENTITIES[kind];
  const select = entity.columns.map((c) => {
    const name = `"${c.name}"`;
    if (c.type === 'timestamp') return `epoch_ms(${name})::VARCHAR AS ${name}`;
    if (c.type === 'json') return `json(${name})::VARCHAR AS ${name}`;
    return `${name}::VARCHAR AS ${name}`;
  });
  const rows = await store.query<Record<string, string | null>>(
    raw(`SELECT ${select.join(', ')} FROM ${entity.table}`),
  );
  return new Map(rows.map((row) => [entity.key.map((k) => row[k] ?? '').join('|'), row]));
}

describe('round trip', () => {
  it.each(ENTITY_KINDS)('stores every cell of examples/%s.csv as written', async (kind) => {
    const result = await importFile(store, exampleFile(kind), { ...importOptions(), kind });
    const rawRows = readCsv(exampleFile(kind));
    expect(result.rowsRead).toBe(rawRows.length);
    expect(result.inserted).toBe(rawRows.length);
    const stored = await storedRows(kind);
    expect(stored.size).toBe(rawRows.length);
    for (const rawRow of rawRows) {
      const key = ENTITIES[kind].key.map((k) => expectedCell(kind, k, rawRow[k]) ?? '').join('|');
      const row = stored.get(key);
      expect(row, `row ${key}`).toBeDefined();
      for (const column of ENTITIES[kind].columns.map((c) => c.name)) {
        const expected = expectedCell(kind, column, rawRow[column]);
        if (expected === null && kind === 'sessions' && column === 'bounced') {
          expect(row![column]).toBe(Number(rawRow.page_views) <= 1 ? 'true' : 'false');
        } else {
          expect(row![column], `${kind} ${key} ${column}`).toBe(expected);
        }
      }
    }
  });

  it('detects the kind from the header when --kind is not given', async () => {
    for (const kind of ENTITY_KINDS) {
      const result = await importFile(store, exampleFile(kind), importOptions());
      expect(result.kind).toBe(kind);
    }
  });

  it('sums money exactly over many rows', async () => {
    const path = join(files, 'many-orders.csv');
    let expected = 0n;
    const lines = ['id,placed_at,status,paid_amount'];
    for (let i = 0; i < 200_000; i++) {
      // Amounts whose binary floating-point sum drifts: x.01 … x.99.
      const cents = BigInt((i * 7919) % 100_000) + 1n;
      expected += cents;
      lines.push(`N${i},2025-01-01 10:00:00,completed,${centsToString(cents)}`);
    }
    writeFileSync(path, lines.join('\n'));
    await importFile(store, path, importOptions());
    const [row] = await store.query<{ gmv: string }>(
      raw(`SELECT sum(paid_amount)::VARCHAR AS gmv FROM orders`),
    );
    expect(row?.gmv).toBe(centsToString(expected));
  });

  it('trims spaces around cells and treats blank cells as empty', async () => {
    const path = join(files, 'spaced.csv');
    writeFileSync(
      path,
      'id,customer_id,placed_at,status,paid_amount,channel\n  S1 , C9 , 2025-01-01 10:00:00 , paid , 12.50 ,   \n',
    );
    await importFile(store, path, importOptions());
    const rows = await store.query(
      raw(`SELECT id, customer_id, status, paid_amount::VARCHAR AS paid, channel FROM orders`),
    );
    expect(rows).toEqual([{ id: 'S1', customer_id: 'C9', status: 'paid', paid: '12.50', channel: null }]);
  });

  it('reads naive timestamps in the configured timezone', async () => {
    const utc = await openTempStore('UTC');
    try {
      await importFile(utc.store, exampleFile('orders'), importOptions());
      const [row] = await utc.store.query<{ ms: string }>(
        raw(`SELECT epoch_ms(placed_at)::VARCHAR AS ms FROM orders WHERE id = 'O1001'`),
      );
      expect(row?.ms).toBe(String(Date.parse('2024-03-02T09:15:00Z')));
    } finally {
      await utc.cleanup();
    }
  });
});

describe('other containers', () => {
  it('imports JSON Lines, gzip or not, to the same rows as CSV', async () => {
    const rows = readCsv(exampleFile('orders'));
    const jsonl = rows
      .map((row) => JSON.stringify(Object.fromEntries(Object.entries(row).filter(([, v]) => v !== ''))))
      .join('\n');
    writeFileSync(join(files, 'orders.jsonl'), jsonl);
    writeFileSync(join(files, 'orders.jsonl.gz'), gzipSync(jsonl));
    const first = await importFile(store, join(files, 'orders.jsonl'), importOptions());
    expect(first.kind).toBe('orders');
    expect(first.inserted).toBe(rows.length);
    const viaCsv = await importFile(store, exampleFile('orders'), importOptions());
    expect(viaCsv.unchanged).toBe(rows.length);
    const gz = await importFile(store, join(files, 'orders.jsonl.gz'), importOptions());
    expect(gz.format).toBe('canonical jsonl (gzip)');
    expect(gz.unchanged).toBe(rows.length);
  });

  it('imports Parquet to the same rows as CSV', async () => {
    const parquet = join(files, 'orders.parquet');
    await store.run(
      raw(`COPY (SELECT * FROM read_csv('${exampleFile('orders')}', all_varchar = true)) TO '${parquet}'`),
    );
    const fromParquet = await importFile(store, parquet, importOptions());
    expect(fromParquet.format).toBe('canonical parquet');
    expect(fromParquet.inserted).toBe(8);
    const viaCsv = await importFile(store, exampleFile('orders'), importOptions());
    expect(viaCsv.unchanged).toBe(8);
  });

  it('imports a gzipped CSV whatever its name', async () => {
    const path = join(files, 'orders-export');
    writeFileSync(path, gzipSync(readFileSync(exampleFile('orders'))));
    const result = await importFile(store, path, importOptions());
    expect(result.format).toBe('canonical csv (gzip)');
    expect(result.inserted).toBe(8);
  });
});

describe('idempotence and upsert', () => {
  it('re-importing the same file changes nothing', async () => {
    for (const kind of ENTITY_KINDS) await importFile(store, exampleFile(kind), importOptions());
    const before = await fingerprint(store, ['customers', 'orders', 'order_lines', 'sessions', 'feedback']);
    for (const kind of ENTITY_KINDS) {
      const again = await importFile(store, exampleFile(kind), importOptions());
      expect(again.inserted + again.updated).toBe(0);
      expect(again.unchanged).toBe(readCsv(exampleFile(kind)).length);
    }
    expect(await fingerprint(store, ['customers', 'orders', 'order_lines', 'sessions', 'feedback'])).toBe(
      before,
    );
  });

  it('a changed row updates, a new row inserts, the rest stay unchanged', async () => {
    await importFile(store, exampleFile('orders'), importOptions());
    const text = readFileSync(exampleFile('orders'), 'utf8')
      .replace(
        'O1007,C005,2025-01-05 08:30:00,2025-01-05 08:31:00,paid,66.60',
        'O1007,C005,2025-01-05 08:30:00,2025-01-05 08:31:00,completed,66.60',
      )
      .concat('O1009,C003,2025-02-01 10:00:00,2025-02-01 10:00:30,paid,10.00,0,0,0,1,mobile,tmall,\n');
    const path = join(files, 'orders.csv');
    writeFileSync(path, text);
    const result = await importFile(store, path, importOptions());
    expect({ inserted: result.inserted, updated: result.updated, unchanged: result.unchanged }).toEqual({
      inserted: 1,
      updated: 1,
      unchanged: 7,
    });
    const rows = await store.query<{ status: string; n: number }>(
      raw(`SELECT status, (SELECT count(*) FROM orders)::INTEGER AS n FROM orders WHERE id = 'O1007'`),
    );
    expect(rows).toEqual([{ status: 'completed', n: 9 }]);
  });

  it('a file with fewer columns updates only the columns it has', async () => {
    await importFile(store, exampleFile('customers'), importOptions());
    const path = join(files, 'names.csv');
    writeFileSync(path, 'id,name\nC001,王芳芳\nC002,李强\nC099,新客户\n');
    const result = await importFile(store, path, importOptions());
    expect({ inserted: result.inserted, updated: result.updated, unchanged: result.unchanged }).toEqual({
      inserted: 1,
      updated: 1,
      unchanged: 1,
    });
    const rows = await store.query(
      raw(
        `SELECT id, name, email, gender, member_since IS NOT NULL AS member FROM customers WHERE id IN ('C001', 'C099') ORDER BY id`,
      ),
    );
    expect(rows).toEqual([
      { id: 'C001', name: '王芳芳', email: 'wangfang@example.com', gender: 'female', member: true },
      { id: 'C099', name: '新客户', email: null, gender: 'unknown', member: false },
    ]);
  });

  it('upserts keys with empty parts (anonymous sessions) without duplicating them', async () => {
    await importFile(store, exampleFile('sessions'), importOptions());
    await importFile(store, exampleFile('sessions'), importOptions());
    const [row] = await store.query<{ n: number }>(raw(`SELECT count(*)::INTEGER AS n FROM sessions`));
    expect(row?.n).toBe(readCsv(exampleFile('sessions')).length);
  });

  it('counts GMV only for paid statuses, as computed from the raw file', async () => {
    await importFile(store, exampleFile('orders'), importOptions());
    const rows = readCsv(exampleFile('orders'));
    const expected = rows
      .filter((row) => (GMV_STATUSES as readonly string[]).includes(row.status ?? ''))
      .reduce((sum, row) => sum + toCents(row.paid_amount ?? '0'), 0n);
    const [row] = await store.query<{ gmv: string }>(
      raw(
        `SELECT sum(paid_amount)::VARCHAR AS gmv FROM orders WHERE status IN ('paid','shipped','completed','refunded')`,
      ),
    );
    expect(row?.gmv).toBe(centsToString(expected));
  });
});

describe('bad input leaves the database exactly as it was', () => {
  const header = 'id,customer_id,placed_at,status,paid_amount';
  const cases: {
    name: string;
    content: string | Buffer;
    file?: string;
    code: AppError['code'];
    message: RegExp;
    kind?: EntityKind;
  }[] = [
    {
      name: 'a header typo names the closest expected column',
      content: 'id,customer_id,palced_at,status,paid_amount\nX1,C1,2025-01-01,paid,1\n',
      code: 'BAD_HEADER',
      message:
        /header column 'palced_at' is not a column of orders; did you mean 'placed_at'\?.*expected columns for orders: id, customer_id, placed_at/,
    },
    {
      name: 'a missing required column is named',
      content: 'id,customer_id,placed_at,paid_amount\nX1,C1,2025-01-01,1\n',
      kind: 'orders',
      code: 'BAD_HEADER',
      message: /lacks required column 'status'/,
    },
    {
      name: 'a GBK file is named as not UTF-8',
      content: Buffer.concat([
        Buffer.from('id,name\nC9,'),
        Buffer.from([0xcd, 0xf5, 0xb7, 0xbc]),
        Buffer.from('\n'),
      ]),
      code: 'BAD_ENCODING',
      message: /line 2 is not UTF-8 \(it looks like GBK\/GB18030/,
    },
    { name: 'an empty file', content: '', code: 'BAD_FILE', message: /is empty \(0 bytes\)/ },
    { name: 'a blank file', content: '\n\n  \n', code: 'BAD_FILE', message: /is empty \(only blank lines\)/ },
    {
      name: 'a binary file',
      content: Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00, 0x10, 0x41, 0x42]),
      code: 'BAD_FILE',
      message: /binary file/,
    },
    {
      name: 'a ZIP archive that is not an xlsx workbook',
      content: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]),
      code: 'BAD_FILE',
      message: /ZIP archive but not a readable Excel workbook \(\.xlsx\)/,
    },
    {
      name: 'a bad value with --max-rejects 0',
      content: `${header}\nX1,C1,2025-01-01 10:00:00,paid,1.00\nX2,C1,2025-01-01 10:00:00,paid,12.345\n`,
      code: 'TOO_MANY_REJECTS',
      message: /1 of 2 rows rejected \(allowed: 0\); nothing of this file was imported/,
    },
    {
      name: 'a row with too many fields',
      content: `${header}\nX1,C1,2025-01-01 10:00:00,paid,1.00\nX2,C1,2025-01-01 10:00:00,paid,1.00,extra\n`,
      code: 'BAD_FILE',
      message: /:3: row has 6 fields but the header has 5/,
    },
    {
      name: 'a JSON array instead of JSON Lines',
      content: '[{"id":"X1"}]',
      code: 'BAD_FILE',
      message: /JSON array; give JSON Lines/,
    },
  ];

  it.each(cases)('$name', async ({ content, code, message, kind, file }) => {
    for (const k of ENTITY_KINDS) await importFile(store, exampleFile(k), importOptions());
    const before = await fingerprint(store);
    const path = join(files, file ?? 'input.csv');
    writeFileSync(path, content);
    const error = await importFile(store, path, { ...importOptions(), kind }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(code);
    expect((error as AppError).message).toMatch(message);
    expect(await fingerprint(store)).toBe(before);
  });

  it('a truncated gzip file is refused whole, even when the cut falls between rows', async () => {
    const lines = ['id,placed_at,status,paid_amount'];
    for (let i = 0; i < 50_000; i++) lines.push(`T${i},2025-01-01 10:00:00,completed,1.00`);
    const gz = gzipSync(lines.join('\n'));
    const path = join(files, 'orders.csv.gz');
    writeFileSync(path, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const before = await fingerprint(store);
    const error = await importFile(store, path, importOptions()).catch((e: unknown) => e);
    expect((error as AppError).code).toBe('BAD_FILE');
    expect((error as AppError).message).toMatch(/gzip data is truncated or corrupt/);
    expect(await fingerprint(store)).toBe(before);
  });

  it('a second file that fails keeps the first one imported', async () => {
    await importFile(store, exampleFile('customers'), importOptions());
    const after = await fingerprint(store);
    const path = join(files, 'bad.csv');
    copyFileSync(exampleFile('orders'), path);
    writeFileSync(path, readFileSync(path, 'utf8').replace('2024-03-02 09:15:00', 'yesterday'));
    await expect(importFile(store, path, importOptions())).rejects.toThrow(/rejected/);
    expect(await fingerprint(store)).toBe(after);
  });
});

describe('rejects', () => {
  it('reports each rejected row with line, column and reason, and keeps the rest within --max-rejects', async () => {
    const path = join(files, 'orders.csv');
    writeFileSync(
      path,
      [
        'id,customer_id,placed_at,status,paid_amount,refunded_amount',
        'R1,C1,2025-01-01 10:00:00,paid,10.00,0',
        'R2,C1,2025-01-01 10:00:00,lost,10.00,0',
        'R3,C1,,paid,10.00,0',
        'R4,C1,2025-01-01 10:00:00,paid,10.00,20.00',
        'R1,C2,2025-01-02 10:00:00,paid,5.00,0',
        'R5,C1,2025-01-01 10:00:00,paid,10.00,0',
      ].join('\n'),
    );
    const result = await importFile(store, path, { ...importOptions(), maxRejects: 4 });
    expect(result.inserted).toBe(2);
    expect(result.rejected).toBe(4);
    expect(result.firstRejects.map((r) => [r.line, r.column, r.reason])).toEqual([
      [3, 'status', 'expected one of unpaid, paid, shipped, completed, refunded, cancelled'],
      [4, 'placed_at', 'is required but empty'],
      [5, 'refunded_amount', 'refunded_amount is larger than paid_amount'],
      [6, 'id', 'duplicate key (id) of line 2'],
    ]);
    const rejects = readCsv(result.rejectsFile!);
    expect(rejects.map((r) => Number(r.line))).toEqual([3, 4, 5, 6]);
    expect(rejects[0]).toMatchObject({ column: 'status', value: 'lost' });
  });
});

describe("the import command's flags", () => {
  it('--format csv is the output format, as on every other command: one row per file and entity', () => {
    const db = join(files, 'flags.duckdb');
    const path = exampleFile('orders');
    const run = runCli(['--db', db, 'import', path, '--format', 'csv']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const rows = readCsv(path);
    expect(run.stdout.trim().split('\n')).toEqual([
      'file,format,batch_id,rows_read,rejected,kind,inserted,updated,unchanged',
      `${path},canonical csv,1,${rows.length},0,orders,${rows.length},0,0`,
    ]);
  });

  it('--store-format names the input, and --format with a store format name still does', () => {
    const db = join(files, 'flags.duckdb');
    const path = exampleFile('orders');
    const storeFormat = runCli(['--db', db, 'import', path, '--store-format', 'shopify-orders']);
    expect(storeFormat.status).toBe(5);
    expect(storeFormat.stderr).toMatch(
      /read as shopify-orders \(--store-format shopify-orders\), but the header lacks 'Name'/,
    );
    const oldSpelling = runCli(['--db', db, 'import', path, '--format', 'canonical', '--quiet']);
    expect(oldSpelling.status).toBe(0);
    expect(oldSpelling.stdout).toMatch(/: canonical csv \(CSV: extension \.csv\)\n/);
  });

  it('an unknown --format names both flags on one line', () => {
    const run = runCli([
      '--db',
      join(files, 'flags.duckdb'),
      'import',
      exampleFile('orders'),
      '--format',
      'xml',
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      `huiyuan: unknown --format 'xml': the output format is one of table, csv, json; the input's format is --store-format canonical|${STORE_FORMAT_NAMES.join('|')}\n`,
    );
  });
});
