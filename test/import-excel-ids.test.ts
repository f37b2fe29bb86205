/**
 * A Taobao export opened and saved again in Excel: 19-digit order numbers become `6.47E+18` and
 * mobile numbers `1.98E+10`, so different orders share one id and would overwrite each other,
 * and overwrite an order already stored under that id. The format's own reject reason refuses
 * those rows, naming the cause; everything else in the store stays as it was.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import { importFile } from '../src/ingest/import-file.js';
import { raw } from '../src/store/sql.js';
import type { Store } from '../src/store/store.js';
import { makeTempDir, openTempStore, ROOT, type TempStore } from './helpers.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'taobao', 'ExportOrderList201912312359.csv');
const ROUNDED_ID = '6.47E+18';
const ROUNDED_PHONE = '1.98E+10';

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

const options = (maxRejects = 0): { rejectsDir: string; maxRejects: number } => ({
  rejectsDir: join(temp.dir, 'rejects'),
  maxRejects,
});

/**
 * The fixture as Excel saves it again: the ="…" guards gone, the order numbers of data lines 2
 * and 3 both shown as 6.47E+18, and line 4's mobile as 1.98E+10.
 */
function resavedByExcel(): { path: string; lines: string[] } {
  const lines = readFileSync(FIXTURE, 'utf8').trimEnd().split('\n');
  const resaved = lines.map((line, index) => {
    let text = line.replace(/(^|,)="([^"]*)"(?=,|$)/g, '$1$2');
    if (index === 1 || index === 2) text = text.replace(/^\d{19}/, ROUNDED_ID);
    if (index === 3) text = text.replace(/,"'1\d{10}",/, `,"${ROUNDED_PHONE}",`);
    return text;
  });
  const path = join(files, 'ExportOrderList201912312359.csv');
  writeFileSync(path, `${resaved.join('\n')}\n`);
  return { path, lines: resaved };
}

/** An order already stored under the rounded id, from a canonical file (ids are opaque there). */
async function storeOrderUnderRoundedId(): Promise<void> {
  const path = join(files, 'orders.csv');
  writeFileSync(
    path,
    `id,customer_id,placed_at,status,paid_amount\n${ROUNDED_ID},C-EXISTING,2019-01-05 10:00:00,completed,12.34\n`,
  );
  await importFile(store, path, options());
}

const allOrders = async (): Promise<string> => {
  const rows = await store.query<{ row: string }>(
    raw(`SELECT string_agg(o::VARCHAR, '|' ORDER BY id) AS row FROM orders o`),
  );
  return rows[0]?.row ?? '';
};

describe('ids and phones Excel turned into scientific notation', () => {
  it('rejects both colliding orders and the rounded phone; the stored order of that id is untouched', async () => {
    await storeOrderUnderRoundedId();
    const { path, lines } = resavedByExcel();
    // Records, not lines: a quoted cell of the fixture spans two lines.
    const records = parse(lines.join('\n'), { relax_quotes: true, relax_column_count: true }).length - 1;

    const result = await importFile(store, path, options(10));

    const rejected = result.firstRejects.map((row) => `${row.line} ${row.entity} ${row.column} ${row.value}`);
    expect(rejected).toEqual([
      `2 orders id ${ROUNDED_ID}`,
      `3 orders id ${ROUNDED_ID}`,
      `4 customers phone ${ROUNDED_PHONE}`,
    ]);
    expect(result.firstRejects.every((row) => row.reason.includes('the file was resaved by Excel'))).toBe(
      true,
    );
    // The order stored under 6.47E+18 is exactly as it was; the other orders of the file came in.
    const [stored] = await store.query<{ customer_id: string; paid_amount: string; n: number }>(
      raw(`SELECT customer_id, paid_amount::VARCHAR AS paid_amount, count(*) OVER ()::INTEGER AS n
        FROM orders WHERE id = '${ROUNDED_ID}'`),
    );
    expect(stored).toEqual({ customer_id: 'C-EXISTING', paid_amount: '12.34', n: 1 });
    const [orders] = await store.query<{ n: number }>(raw(`SELECT count(*)::INTEGER AS n FROM orders`));
    expect(orders?.n).toBe(1 + records - 2);
    const [phones] = await store.query<{ n: number }>(
      raw(`SELECT count(*)::INTEGER AS n FROM customers WHERE phone LIKE '%E+%'`),
    );
    expect(phones?.n).toBe(0);
  });

  it('refuses the whole file by default, naming the cause on the first rejected line', async () => {
    await storeOrderUnderRoundedId();
    const before = await allOrders();
    const { path } = resavedByExcel();
    const error = (await importFile(store, path, options()).catch((e: unknown) => e)) as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('TOO_MANY_REJECTS');
    expect(error.details[0]).toBe(
      `${path}:2 orders column id '${ROUNDED_ID}': a number in scientific notation: the file was resaved by Excel, which rounds long ids and phone numbers; export it again, or format the column as text before saving`,
    );
    expect(await allOrders()).toBe(before);
  });
});
