/**
 * Taobao/Tmall exports end to end: the 订单报表 in its 2017, 2018 and 2019+ layouts (GBK, and
 * UTF-8 with a BOM), the 宝贝报表, the 退款报表 and the 千牛 workbook (订单表 + 子订单表, built
 * here with exceljs). The fixtures under test/fixtures/taobao are readable UTF-8 text; the tests
 * write them as the exports come (GBK, BOM, .xlsx). Every expected figure is a plain reduction
 * over the fixture's raw rows (decoded with iconv-lite, parsed with csv-parse), with this test's
 * own status table, date parsing and md5, never the importer's output.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizeProvince, PROVINCES } from '../../src/domain/regions.js';
import { AppError } from '../../src/errors.js';
import { importFile, type ImportResult } from '../../src/ingest/import-file.js';
import { GMV_STATUSES } from '../../src/store/entities.js';
import { raw } from '../../src/store/sql.js';
import type { Store } from '../../src/store/store.js';
import {
  centsToString,
  fingerprint,
  makeTempDir,
  openTempStore,
  ROOT,
  toCents,
  type TempStore,
} from '../helpers.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'taobao');
const ORDERS_2017 = 'ExportOrderList201712312359.csv';
const ORDERS_2018 = 'ExportOrderList201812312359.csv';
const ORDERS_2019 = 'ExportOrderList201912312359.csv';
const DETAILS_2017 = 'ExportOrderDetailList201712312359.csv';
const REFUNDS_2019 = 'ExportRefundList201912312359.csv';

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

const importOptions = (
  extra: { format?: string; maxRejects?: number } = {},
): { rejectsDir: string; format?: string; maxRejects?: number } => ({
  rejectsDir: join(temp.dir, 'rejects'),
  ...extra,
});

type Encoding = 'gbk' | 'utf-8-bom';

const fixtureText = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

/** Writes a fixture as the export comes: GBK, or UTF-8 with a BOM. */
function writeExport(name: string, encoding: Encoding, text = fixtureText(name)): string {
  const path = join(files, name);
  writeFileSync(path, encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(`\uFEFF${text}`, 'utf8'));
  return path;
}

/** The raw rows of an export file, decoded and parsed here: header names trimmed, ="…" unwrapped. */
function readExport(path: string, encoding: Encoding): Record<string, string>[] {
  const bytes = readFileSync(path);
  const text =
    encoding === 'gbk' ? iconv.decode(bytes, 'gbk') : bytes.toString('utf8').replace(/^\uFEFF/, '');
  const [header, ...rows] = parse(text, { relax_quotes: true, relax_column_count: true });
  const names = header!.map((name) => name.trim());
  return rows.map((row) =>
    Object.fromEntries(names.map((name, i) => [name, (row[i] ?? '').replace(/^="(.*)"$/, '$1')])),
  );
}

/** Cents of a Taobao amount: `元` and spaces dropped. */
const cents = (amount: string | undefined): bigint => toCents((amount ?? '').replace('元', '').trim() || '0');

/** Epoch ms of a Taobao date-time, `2017-03-05 09:07:01` or Excel's `2017/3/5 9:07`, in Asia/Shanghai. */
function epochMs(text: string): number {
  const [date = '', time = '00:00:00'] = text.trim().split(' ');
  const [y = 0, m = 1, d = 1] = date.split(/[-/]/).map(Number);
  const [hh = 0, mm = 0, ss = 0] = time.split(':').map(Number);
  return Date.UTC(y, m - 1, d, hh - 8, mm, ss);
}

/** This test's own reading of 订单状态 for the values the fixtures use. */
function expectedStatus(text: string, closeReason: string): string {
  switch (text.replace('，', ',')) {
    case '等待买家付款':
      return 'unpaid';
    case '买家已付款,等待卖家发货':
      return 'paid';
    case '卖家已发货,等待买家确认':
    case '卖家部分发货':
      return 'shipped';
    case '交易成功':
    case '买家已签收':
      return 'completed';
    case '交易关闭':
      if (closeReason === '退款') return 'refunded';
      if (closeReason === '买家未付款') return 'cancelled';
  }
  throw new Error(`the fixture has status ${text} / ${closeReason}, which this test does not know`);
}

const derivedId = (name: string, phone: string): string =>
  `derived:${createHash('md5').update(`${name}|${phone}`).digest('hex').slice(0, 16)}`;

interface ExpectedPlace {
  readonly province: string | null;
  readonly city: string | null;
}

/** Province and city of an address, the start of it written `省 市 区 …` or `省市区…`. */
function expectedPlace(address: string): ExpectedPlace {
  const spaced = address.split(' ');
  if (spaced.length > 2) {
    const province = normalizeProvince(spaced[0]!) ?? null;
    const city =
      province && ['北京', '天津', '上海', '重庆'].includes(province)
        ? province
        : spaced[1]!.replace(/市$/, '');
    return { province, city };
  }
  const match =
    PROVINCES.find((p) => address.startsWith(p.fullName)) ??
    PROVINCES.find((p) => address.startsWith(p.name));
  if (!match) return { province: null, city: null };
  const rest = address.slice(address.startsWith(match.fullName) ? match.fullName.length : match.name.length);
  const city = ['北京', '天津', '上海', '重庆'].includes(match.name)
    ? match.name
    : (/^(.+?)市/.exec(rest)?.[1] ?? null);
  return { province: match.name, city };
}

interface ExpectedOrder {
  readonly id: string;
  readonly customerId: string;
  readonly status: string;
  readonly paid: string;
  readonly refunded: string;
  readonly itemCount: string | null;
  readonly placedAt: number;
}

interface ExpectedCustomer {
  readonly id: string;
  readonly name: string;
  readonly phone: string;
  readonly province: string | null;
  readonly city: string | null;
}

interface Expected {
  readonly orders: Map<string, ExpectedOrder>;
  readonly customers: Map<string, ExpectedCustomer>;
  readonly gmv: string;
  readonly refunded: string;
}

/** Customers: one per buyer, from the buyer's latest order (by placed time, then file order). */
function customersOf(
  rows: readonly { order: ExpectedOrder; customer: ExpectedCustomer }[],
): Map<string, ExpectedCustomer> {
  const latest = new Map<string, { at: number; customer: ExpectedCustomer }>();
  for (const { order, customer } of rows) {
    const seen = latest.get(customer.id);
    if (!seen || order.placedAt >= seen.at) latest.set(customer.id, { at: order.placedAt, customer });
  }
  return new Map([...latest].map(([id, { customer }]) => [id, customer]));
}

function summarise(rows: readonly { order: ExpectedOrder; customer: ExpectedCustomer }[]): Expected {
  const orders = new Map(rows.map(({ order }) => [order.id, order]));
  const gmv = [...orders.values()]
    .filter((o) => (GMV_STATUSES as readonly string[]).includes(o.status))
    .reduce((sum, o) => sum + toCents(o.paid), 0n);
  const refunded = [...orders.values()].reduce((sum, o) => sum + toCents(o.refunded), 0n);
  return { orders, customers: customersOf(rows), gmv: centsToString(gmv), refunded: centsToString(refunded) };
}

/** The reduction over a legacy 订单报表's raw rows. */
function expectLegacyOrders(rows: readonly Record<string, string>[]): Expected {
  return summarise(
    rows.map((row) => {
      const status = expectedStatus(row['订单状态']!, row['订单关闭原因']!);
      const nick = row['买家会员名']!;
      const phone = row['联系手机']!.replace(/^'/, '');
      const id = nick !== '' && !nick.includes('*') ? nick : derivedId(row['收货人姓名']!, phone);
      const order: ExpectedOrder = {
        id: row['订单编号']!,
        customerId: id,
        status,
        paid: ['unpaid', 'cancelled'].includes(status)
          ? '0.00'
          : centsToString(cents(row['买家实际支付金额'])),
        refunded: centsToString(cents(row['退款金额'])),
        itemCount: row['宝贝总数量']!,
        placedAt: epochMs(row['订单创建时间']!),
      };
      return { order, customer: { id, name: row['收货人姓名']!, phone, ...expectedPlace(row['收货地址']!) } };
    }),
  );
}

async function storedOrders(): Promise<Map<string, ExpectedOrder>> {
  const rows = await store.query<{
    id: string;
    customer_id: string;
    status: string;
    paid: string;
    refunded: string;
    item_count: string | null;
    placed_at: number;
  }>(
    raw(`SELECT id, customer_id, status, paid_amount::VARCHAR AS paid, refunded_amount::VARCHAR AS refunded,
      item_count::VARCHAR AS item_count, epoch_ms(placed_at)::DOUBLE AS placed_at FROM orders`),
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        customerId: r.customer_id,
        status: r.status,
        paid: r.paid,
        refunded: r.refunded,
        itemCount: r.item_count,
        placedAt: Number(r.placed_at),
      },
    ]),
  );
}

async function storedCustomers(): Promise<Map<string, ExpectedCustomer>> {
  const rows = await store.query<{
    id: string;
    name: string;
    phone: string;
    province: string | null;
    city: string | null;
  }>(raw(`SELECT id, name, phone, province, city FROM customers`));
  return new Map(rows.map((r) => [r.id, { ...r }]));
}

async function storedTotals(): Promise<{ gmv: string; refunded: string }> {
  const gmvStatuses = GMV_STATUSES.map((status) => `'${status}'`).join(', ');
  const [row] = await store.query<{ gmv: string; refunded: string }>(
    raw(`SELECT coalesce(sum(paid_amount) FILTER (WHERE status IN (${gmvStatuses})), 0)::VARCHAR AS gmv,
        coalesce(sum(refunded_amount), 0)::VARCHAR AS refunded FROM orders`),
  );
  return row!;
}

const countOf = (result: ImportResult, kind: string): number =>
  result.entities
    .filter((e) => e.kind === kind)
    .reduce((n, e) => n + e.inserted + e.updated + e.unchanged, 0);

const LAYOUTS = [
  { file: ORDERS_2017, encoding: 'gbk', columns: 46, layout: '2017 layout' },
  { file: ORDERS_2018, encoding: 'utf-8-bom', columns: 54, layout: '2018 layout' },
  { file: ORDERS_2019, encoding: 'gbk', columns: 61, layout: '2019+ layout' },
] as const;

describe('taobao-orders (订单报表)', () => {
  it.each(LAYOUTS)('the $layout fixture ($encoding) carries the export quirks', ({ file, columns }) => {
    const text = fixtureText(file);
    const header = text.split('\r\n', 1)[0]!;
    expect(header.split('","')).toHaveLength(columns);
    expect(header).toContain('"收货地址 "'); // trailing spaces in header names
    expect(text).toMatch(/^="\d{19}",/m); // 19-digit order numbers as Excel formulas
    expect(text).toContain('=""'); // empty formula fields
    expect(text).toMatch(/"'1\d{10}"/); // apostrophe phones
    expect(text).toMatch(/\d元"/); // 元 after amounts
    expect(text).toContain('买家已付款，等待卖家发货'); // full-width comma
    expect(text).toContain('买家已付款,等待卖家发货'); // half-width comma
    expect(text).toMatch(/"\d{4}\/\d{1,2}\/\d{1,2} \d{1,2}:\d{2}"/); // an Excel-resaved date
    expect(text).toContain('"等待买家付款"');
    expect(text).toMatch(/"交易关闭",.*"买家未付款"/);
    expect(text).toMatch(/"交易关闭",.*"退款"/);
    expect(text).toMatch(/^="\d+","[^"]*\*[^"]*"/m); // a masked buyer
  });

  it.each(LAYOUTS)(
    'imports the $layout ($encoding): orders, GMV, refunds and customers equal a reduction over the raw rows',
    async ({ file, encoding, columns, layout }) => {
      const path = writeExport(file, encoding);
      const expected = expectLegacyOrders(readExport(path, encoding));
      const result = await importFile(store, path, importOptions());

      expect(result.format).toBe('taobao-orders');
      expect(result.detectedBy).toContain(`${layout}, ${columns} columns`);
      expect(result.rejected).toBe(0);
      expect(countOf(result, 'orders')).toBe(expected.orders.size);
      expect(countOf(result, 'customers')).toBe(expected.customers.size);

      const orders = await storedOrders();
      expect(orders).toEqual(expected.orders);
      expect(await storedTotals()).toEqual({ gmv: expected.gmv, refunded: expected.refunded });
      expect(await storedCustomers()).toEqual(expected.customers);
    },
  );

  it('reads the same export alike in GBK, UTF-8 and UTF-8 with a BOM', async () => {
    const text = fixtureText(ORDERS_2019);
    const first = await importFile(store, writeExport(ORDERS_2019, 'gbk'), importOptions());
    expect(first.rejected).toBe(0);
    const utf8 = join(files, 'ExportOrderList-utf8.csv');
    writeFileSync(utf8, text, 'utf8');
    for (const path of [utf8, writeExport(ORDERS_2019, 'utf-8-bom')]) {
      const again = await importFile(store, path, importOptions());
      expect(again.format).toBe('taobao-orders');
      expect({ inserted: again.inserted, updated: again.updated, unchanged: again.unchanged }).toEqual({
        inserted: 0,
        updated: 0,
        unchanged: first.inserted,
      });
    }
  });

  it('keeps 19-digit order numbers exactly, as text', async () => {
    const path = writeExport(ORDERS_2019, 'gbk');
    const ids = readExport(path, 'gbk').map((row) => row['订单编号']!);
    expect(ids.every((id) => /^\d{19}$/.test(id))).toBe(true);
    await importFile(store, path, importOptions());
    const stored = await store.query<{ id: string }>(raw(`SELECT id FROM orders ORDER BY id`));
    expect(stored.map((r) => r.id)).toEqual([...ids].sort());
  });

  it('gives provinces as standard short names, autonomous regions and municipalities included', async () => {
    await importFile(store, writeExport(ORDERS_2017, 'gbk'), importOptions());
    const rows = await store.query<{ province: string; city: string }>(
      raw(`SELECT DISTINCT province, city FROM customers`),
    );
    const names = new Set<string>(PROVINCES.map((p) => p.name));
    expect(rows.every((r) => names.has(r.province))).toBe(true);
    const places = rows.map((r) => `${r.province}/${r.city}`);
    expect(places).toEqual(expect.arrayContaining(['广西/南宁', '重庆/重庆']));
  });

  it('marks buyers without a usable 买家会员名 with derived ids, and nothing else', async () => {
    const path = writeExport(ORDERS_2017, 'gbk');
    const masked = readExport(path, 'gbk').filter((row) => row['买家会员名']!.includes('*'));
    expect(masked.length).toBeGreaterThan(0);
    const result = await importFile(store, path, importOptions());
    expect(result.detectedBy).toMatch(
      /买家会员名 masked or empty in the first rows: those buyers get derived: ids/,
    );
    const derived = await store.query<{ id: string }>(
      raw(`SELECT customer_id AS id FROM orders WHERE customer_id LIKE 'derived:%'`),
    );
    expect(derived).toHaveLength(masked.length);
    const stars = await store.query<{ n: number }>(
      raw(`SELECT count(*)::INTEGER AS n FROM customers WHERE id LIKE '%*%'`),
    );
    expect(stars[0]!.n).toBe(0);
  });

  it('re-importing the same export changes nothing', async () => {
    const path = writeExport(ORDERS_2019, 'gbk');
    await importFile(store, path, importOptions());
    const before = await fingerprint(store, ['customers', 'orders', 'order_lines', 'feedback']);
    const again = await importFile(store, path, importOptions());
    expect(again.inserted + again.updated).toBe(0);
    expect(again.unchanged).toBe(countOf(again, 'orders') + countOf(again, 'customers'));
    expect(await fingerprint(store, ['customers', 'orders', 'order_lines', 'feedback'])).toBe(before);
  });
});

describe('taobao-items (宝贝报表)', () => {
  it('reads rows that end with an extra comma, and the lines equal the raw rows', async () => {
    const text = fixtureText(DETAILS_2017);
    const [header, ...dataLines] = text.trimEnd().split('\r\n');
    expect(header!.endsWith('"商家编码"')).toBe(true);
    expect(dataLines.every((line) => line.endsWith('",'))).toBe(true);

    const path = writeExport(DETAILS_2017, 'gbk');
    const rows = readExport(path, 'gbk');
    const result = await importFile(store, path, importOptions());
    expect(result.format).toBe('taobao-items');
    expect(result.rejected).toBe(0);
    expect(countOf(result, 'order-lines')).toBe(rows.length);

    const value = rows.reduce((sum, row) => sum + BigInt(row['购买数量']!) * cents(row['价格']), 0n);
    const quantity = rows.reduce((sum, row) => sum + Number(row['购买数量']), 0);
    const [stored] = await store.query<{ value: string; quantity: number; orders: number }>(
      raw(`SELECT sum(quantity * unit_price)::VARCHAR AS value, sum(quantity)::INTEGER AS quantity,
        count(DISTINCT order_id)::INTEGER AS orders FROM order_lines`),
    );
    expect(stored).toEqual({
      value: centsToString(value),
      quantity,
      orders: new Set(rows.map((r) => r['订单编号'])).size,
    });
  });

  it('keeps lines of one order apart: 商家编码 shared by two sizes, two identical gifts', async () => {
    const path = writeExport(DETAILS_2017, 'gbk');
    const gift = readExport(path, 'gbk').find((row) => row['备注'] === '赠品')!;
    await importFile(store, path, importOptions());
    const lines = await store.query<{ sku: string }>({
      sql: `SELECT sku FROM order_lines WHERE order_id = $1 ORDER BY sku`,
      params: [gift['订单编号']!],
    });
    // By hand from the fixture: the order's bowls, the pan in two sizes (both GZ-2801), two
    // spatula gifts without any code.
    expect(lines.map((l) => l.sku)).toEqual([
      'GZ-2801 颜色分类：20厘米锅-第三方玻璃盖',
      'GZ-2801 颜色分类：32厘米锅-无盖',
      'WB-04',
      '硅胶锅铲耐高温家用套装 颜色分类：灰色三件套',
      '硅胶锅铲耐高温家用套装 颜色分类：灰色三件套#2',
    ]);
  });

  it('re-importing the same report changes nothing', async () => {
    const path = writeExport(DETAILS_2017, 'gbk');
    await importFile(store, path, importOptions());
    const again = await importFile(store, path, importOptions());
    expect(again.inserted + again.updated).toBe(0);
  });
});

describe('taobao-refunds (退款报表)', () => {
  it('records each refund request as refund feedback, and leaves orders alone', async () => {
    await importFile(store, writeExport(ORDERS_2019, 'gbk'), importOptions());
    const ordersBefore = await fingerprint(store, ['orders', 'customers']);
    const path = writeExport(REFUNDS_2019, 'gbk');
    const rows = readExport(path, 'gbk');
    const result = await importFile(store, path, importOptions());
    expect(result.format).toBe('taobao-refunds');
    expect(result.rejected).toBe(0);

    const key = (row: Record<string, string>): string =>
      [
        row['买家会员名称']!.includes('*') ? '' : row['买家会员名称'],
        row['订单编号'],
        epochMs(row['退款的申请时间']!),
      ].join('|');
    const requests = new Map<string, string[]>();
    for (const row of rows)
      requests.set(key(row), [
        ...(requests.get(key(row)) ?? []),
        `${row['买家退款原因']}；${row['买家退款说明']}`,
      ]);

    const stored = await store.query<{
      customer_id: string | null;
      order_id: string;
      at: number;
      text: string;
      kind: string;
    }>(raw(`SELECT customer_id, order_id, epoch_ms(created_at)::DOUBLE AS at, text, kind FROM feedback`));
    expect(stored).toHaveLength(requests.size);
    expect(stored.every((f) => f.kind === 'refund')).toBe(true);
    for (const f of stored) {
      expect(f.text).toBe(
        requests.get([f.customer_id ?? '', f.order_id, Number(f.at)].join('|'))!.join(' | '),
      );
    }
    expect(await fingerprint(store, ['orders', 'customers'])).toBe(ordersBefore);

    const again = await importFile(store, path, importOptions());
    expect(again.inserted + again.updated).toBe(0);
  });
});

/** Builds a workbook from readable sheets; amounts and counts become numbers, some dates Dates. */
async function writeWorkbook(
  name: string,
  sheets: readonly { name: string; rows: readonly string[][] }[],
): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  for (const sheet of sheets) {
    const worksheet = workbook.addWorksheet(sheet.name);
    const [header = [], ...rows] = sheet.rows;
    worksheet.addRow([...header]);
    rows.forEach((row, index) =>
      worksheet.addRow(
        row.map((cell, column) => {
          const title = header[column] ?? '';
          if (cell !== '' && ['买家实付金额', '商品价格', '购买数量'].includes(title)) return Number(cell);
          // Every other row's creation time as a real Excel date (a naive local time).
          if (cell !== '' && title === '订单创建时间' && index % 2 === 0)
            return new Date(`${cell.replace(' ', 'T')}Z`);
          return cell;
        }),
      ),
    );
  }
  const path = join(files, name);
  await workbook.xlsx.writeFile(path);
  return path;
}

const readSheetSource = (name: string): string[][] => parse(readFileSync(join(FIXTURES, name)));
const asRecords = (rows: readonly string[][]): Record<string, string>[] =>
  rows.slice(1).map((row) => Object.fromEntries(rows[0]!.map((name, i) => [name, row[i] ?? ''])));

describe('taobao-qianniu (千牛 workbook: 订单表 + 子订单表)', () => {
  const orderSheet = readSheetSource('qianniu-order-sheet.csv');
  const itemSheet = readSheetSource('qianniu-item-sheet.csv');
  const noteSheet = [['导出说明'], ['订单导出时间：2023-12-31 23:59:59，共22笔订单']];
  const sheets = [
    { name: '订单表', rows: orderSheet },
    { name: '子订单表', rows: itemSheet },
    { name: '导出说明', rows: noteSheet },
  ];

  function expectQianniu(): Expected {
    const items = asRecords(itemSheet);
    return summarise(
      asRecords(orderSheet).map((row) => {
        const [name = '', phone = '', address = ''] = row['收货地址']!.split('，');
        const mobile = phone.replace(/^86-/, '');
        const status = expectedStatus(row['订单状态']!, row['订单关闭原因']!);
        const id = derivedId(name, mobile);
        const order: ExpectedOrder = {
          id: row['订单编号']!,
          customerId: id,
          status,
          paid: ['unpaid', 'cancelled'].includes(status) ? '0.00' : centsToString(cents(row['买家实付金额'])),
          refunded: centsToString(cents(row['退款金额'])),
          itemCount: String(
            items
              .filter((i) => i['主订单编号'] === row['订单编号'])
              .reduce((n, i) => n + Number(i['购买数量']), 0),
          ),
          placedAt: epochMs(row['订单创建时间']!),
        };
        return { order, customer: { id, name, phone: mobile, ...expectedPlace(address) } };
      }),
    );
  }

  it('imports orders, customers and lines equal to a reduction over both sheets', async () => {
    const path = await writeWorkbook('订单导出.xlsx', sheets);
    const expected = expectQianniu();
    const result = await importFile(store, path, importOptions());
    expect(result.format).toBe('taobao-qianniu');
    expect(result.detectedBy).toMatch(/derived: ids/);
    expect(result.rejected).toBe(0);
    expect(result.skipped).toEqual([
      { reason: 'rows of sheet 导出说明, which has neither 订单编号 nor 子订单编号', rows: 1 },
    ]);

    expect(await storedOrders()).toEqual(expected.orders);
    expect(await storedTotals()).toEqual({ gmv: expected.gmv, refunded: expected.refunded });
    expect(await storedCustomers()).toEqual(expected.customers);

    const items = asRecords(itemSheet);
    const value = items.reduce((sum, i) => sum + BigInt(i['购买数量']!) * cents(i['商品价格']), 0n);
    const refunded = items
      .filter((i) => i['退款状态'] === '退款成功')
      .reduce((sum, i) => sum + cents(i['退款金额']), 0n);
    const [lines] = await store.query<{ n: number; value: string; refunded: string }>(
      raw(
        `SELECT count(*)::INTEGER AS n, sum(quantity * unit_price)::VARCHAR AS value, sum(refunded_amount)::VARCHAR AS refunded FROM order_lines`,
      ),
    );
    expect(lines).toEqual({
      n: items.length,
      value: centsToString(value),
      refunded: centsToString(refunded),
    });
  });

  it('reads the 订单表 saved as CSV (UTF-8 with BOM, as Excel saves it) with the same orders', async () => {
    const path = join(files, '订单表.csv');
    writeFileSync(path, `\uFEFF${readFileSync(join(FIXTURES, 'qianniu-order-sheet.csv'), 'utf8')}`);
    const result = await importFile(store, path, importOptions());
    expect(result.format).toBe('taobao-qianniu');
    expect(result.rejected).toBe(0);
    const expected = expectQianniu();
    const stored = await storedOrders();
    // Without the 子订单表 the item count is unknown; everything else comes from the 订单表.
    expect(stored).toEqual(
      new Map([...expected.orders].map(([id, order]) => [id, { ...order, itemCount: null }])),
    );
    expect(await storedCustomers()).toEqual(expected.customers);
  });

  it('a 千牛 workbook given as a canonical file is refused as a workbook', async () => {
    const path = await writeWorkbook('订单导出.xlsx', sheets);
    const before = await fingerprint(store);
    for (const options of [{ kind: 'orders' as const }, { format: 'canonical' }]) {
      const error = await importFile(store, path, { ...importOptions(), ...options }).catch(
        (e: unknown) => e,
      );
      expect((error as AppError).code).toBe('BAD_FILE');
      expect((error as AppError).message).toMatch(
        /is an Excel workbook, which is read only as a store export/,
      );
    }
    expect(await fingerprint(store)).toBe(before);
  });

  it('re-importing the same workbook changes nothing', async () => {
    const path = await writeWorkbook('订单导出.xlsx', sheets);
    await importFile(store, path, importOptions());
    const before = await fingerprint(store, ['customers', 'orders', 'order_lines']);
    const again = await importFile(store, path, importOptions());
    expect(again.inserted + again.updated).toBe(0);
    expect(await fingerprint(store, ['customers', 'orders', 'order_lines'])).toBe(before);
  });

  it('takes the status from the 子订单表 when the 订单表 has no 订单状态', async () => {
    const orderHeader = [
      '订单编号',
      '买家实付金额',
      '买家应付邮费',
      '收货地址',
      '订单创建时间',
      '订单付款时间',
    ];
    const paidAt = '2023-06-18 10:00:30';
    const order = (id: string, paid: string, paidTime: string): string[] => [
      id,
      paid,
      '0.00',
      '王芳，86-13912345678，浙江省杭州市西湖区文三路259号',
      '2023-06-18 10:00:00',
      paidTime,
    ];
    const itemHeader = [
      '子订单编号',
      '主订单编号',
      '商品标题',
      '商品价格',
      '购买数量',
      '订单状态',
      '退款状态',
      '退款金额',
      '订单付款时间',
    ];
    const item = (
      sub: string,
      id: string,
      status: string,
      refund: string,
      amount: string,
      paidTime = paidAt,
    ): string[] => [sub, id, '砧板实木家用切菜板', '68.00', '1', status, refund, amount, paidTime];
    const path = await writeWorkbook('orders-without-status.xlsx', [
      {
        name: '订单表',
        rows: [
          orderHeader,
          order('3000000000000000001', '136.00', paidAt),
          order('3000000000000000002', '136.00', paidAt),
          order('3000000000000000003', '68.00', paidAt),
          order('3000000000000000004', '68.00', ''),
        ],
      },
      {
        name: '子订单表',
        rows: [
          itemHeader,
          item('3000000000000000011', '3000000000000000001', '交易成功', '没有申请退款', '0.00'),
          item('3000000000000000012', '3000000000000000001', '交易关闭', '退款成功', '68.00'),
          item(
            '3000000000000000021',
            '3000000000000000002',
            '卖家已发货，等待买家确认',
            '没有申请退款',
            '0.00',
          ),
          item(
            '3000000000000000022',
            '3000000000000000002',
            '买家已付款，等待卖家发货',
            '没有申请退款',
            '0.00',
          ),
          item('3000000000000000031', '3000000000000000003', '交易关闭', '退款成功', '68.00'),
          item('3000000000000000041', '3000000000000000004', '交易关闭', '没有申请退款', '0.00', ''),
        ],
      },
    ]);
    const result = await importFile(store, path, importOptions());
    expect(result.rejected).toBe(0);
    const rows = await store.query<{
      id: string;
      status: string;
      paid: string;
      refunded: string;
      items: string;
    }>(
      raw(`SELECT id, status, paid_amount::VARCHAR AS paid, refunded_amount::VARCHAR AS refunded, item_count::VARCHAR AS items
        FROM orders ORDER BY id`),
    );
    // By hand: one item done and one refunded → completed with a refund; one shipped and one
    // waiting → shipped; all refunded → refunded; closed before payment → cancelled.
    expect(rows).toEqual([
      { id: '3000000000000000001', status: 'completed', paid: '136.00', refunded: '68.00', items: '2' },
      { id: '3000000000000000002', status: 'shipped', paid: '136.00', refunded: '0.00', items: '2' },
      { id: '3000000000000000003', status: 'refunded', paid: '68.00', refunded: '68.00', items: '1' },
      { id: '3000000000000000004', status: 'cancelled', paid: '0.00', refunded: '0.00', items: '1' },
    ]);
  });

  it('names a bad workbook row by its row number in its sheet', async () => {
    const broken = orderSheet.map((row, index) =>
      index === 3 ? row.map((cell, c) => (orderSheet[0]![c] === '订单状态' ? '交易异常' : cell)) : row,
    );
    const path = await writeWorkbook('broken.xlsx', [
      { name: '订单表', rows: broken },
      { name: '子订单表', rows: itemSheet },
    ]);
    const before = await fingerprint(store);
    const error = (await importFile(store, path, importOptions()).catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('TOO_MANY_REJECTS');
    // Sheet row 4: the header is row 1, so broken[3] is row 4.
    expect(error.details.join('\n')).toMatch(
      /broken\.xlsx:4 orders column status '交易异常': expected one of unpaid/,
    );
    expect(await fingerprint(store)).toBe(before);
  });
});

describe('bad Taobao input leaves the database exactly as it was', () => {
  beforeEach(async () => {
    await importFile(store, writeExport(ORDERS_2017, 'gbk'), importOptions());
    await importFile(store, writeExport(DETAILS_2017, 'gbk'), importOptions());
  });

  async function expectRefused(
    path: string,
    options: { format?: string },
    code: AppError['code'],
    message: RegExp,
  ): Promise<void> {
    const before = await fingerprint(store);
    const error = await importFile(store, path, importOptions(options)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(code);
    expect((error as AppError).message).toMatch(message);
    expect(await fingerprint(store)).toBe(before);
  }

  it('an orders export given as --format taobao-items names what it lacks and what it looks like', async () => {
    await expectRefused(
      writeExport(ORDERS_2019, 'gbk'),
      { format: 'taobao-items' },
      'BAD_HEADER',
      /read as taobao-items \(--store-format taobao-items\), but the header lacks '标题', '价格', '购买数量'; the file looks like taobao-orders/,
    );
  });

  it('an orders export without 订单创建时间 names the format detected and the missing column', async () => {
    const text = fixtureText(ORDERS_2019).replace('订单创建时间', '下单时间');
    await expectRefused(
      writeExport(ORDERS_2019, 'gbk', text),
      {},
      'BAD_HEADER',
      /read as taobao-orders \(header has 订单编号 and 买家应付邮费 \(Taobao 订单报表, 2019\+ layout, 61 columns\).*\), but the header lacks '订单创建时间'/,
    );
  });

  it('a 宝贝报表 without 价格 names the format detected and the missing column', async () => {
    const text = fixtureText(DETAILS_2017).replace('"价格"', '"单价"');
    await expectRefused(
      writeExport(DETAILS_2017, 'gbk', text),
      {},
      'BAD_HEADER',
      /read as taobao-items \(.*\), but the header lacks '价格'/,
    );
  });

  it('an unknown status is rejected, naming the value', async () => {
    const text = fixtureText(ORDERS_2019).replace('"交易成功"', '"交易冻结中"');
    await expectRefused(
      writeExport(ORDERS_2019, 'gbk', text),
      {},
      'TOO_MANY_REJECTS',
      /1 of 30 rows rejected/,
    );
    const error = (await importFile(store, join(files, ORDERS_2019), importOptions()).catch(
      (e: unknown) => e,
    )) as AppError;
    expect(error.details.join('\n')).toMatch(/orders column status '交易冻结中': expected one of unpaid/);
  });

  it('a garbled export (GBK read as Latin-1 and saved as UTF-8) given as taobao-orders names the missing columns', async () => {
    const garbled = iconv.encode(fixtureText(ORDERS_2017), 'gbk').toString('latin1');
    const path = join(files, 'ExportOrderList-garbled.csv');
    writeFileSync(path, garbled, 'utf8');
    await expectRefused(
      path,
      { format: 'taobao-orders' },
      'BAD_HEADER',
      /read as taobao-orders \(--store-format taobao-orders\), but the header lacks '订单编号'/,
    );
  });

  it('a binary file is refused', async () => {
    const path = join(files, 'ExportOrderList.csv');
    writeFileSync(path, Buffer.from([0x00, 0x9f, 0x12, 0xff, 0x00, 0x41, 0x0a, 0x00]));
    await expectRefused(path, {}, 'BAD_FILE', /binary file/);
  });

  it('a ZIP that is not a workbook is refused', async () => {
    const path = join(files, '订单导出.xlsx');
    writeFileSync(path, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(64, 7)]));
    await expectRefused(path, {}, 'BAD_FILE', /ZIP archive but not a readable Excel workbook/);
  });

  it('a workbook that is no store export is refused, naming its sheets', async () => {
    const path = await writeWorkbook('客户.xlsx', [
      {
        name: 'Sheet1',
        rows: [
          ['客户', '电话'],
          ['张伟', '13912345678'],
        ],
      },
    ]);
    await expectRefused(
      path,
      {},
      'BAD_FILE',
      /Excel workbook \(Sheet1: 客户, 电话\) that is not a store export/,
    );
  });

  it('a workbook whose order numbers Excel has rounded is refused, naming the cell', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('订单表');
    sheet.addRow(['订单编号', '买家实付金额', '买家应付邮费', '订单状态', '订单创建时间']);
    // What Excel keeps of 3515313147329357912 once the column is a number: 15 digits, then zeros.
    sheet.addRow([3515313147329360000, 12.5, 0, '交易成功', '2023-01-01 10:00:00']);
    const path = join(files, 'rounded.xlsx');
    await workbook.xlsx.writeFile(path);
    await expectRefused(
      path,
      {},
      'BAD_FILE',
      /sheet 订单表 row 2 column 订单编号 holds the number .* longer than the 15 digits Excel keeps/,
    );
  });
});
