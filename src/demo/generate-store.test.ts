import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVINCES } from '../domain/regions.js';
import {
  ENTITIES,
  ENTITY_KINDS,
  GMV_STATUSES,
  type EntityKind,
  type OrderStatus,
} from '../store/entities.js';
import {
  STORE_FILE_NAMES,
  generateStore,
  type GeneratedStore,
  type GenerateStoreOptions,
} from './generate-store.js';

const OPTIONS: GenerateStoreOptions = { customers: 3000, seed: 7 };
const ALL_FILES = [...ENTITY_KINDS.map((kind) => STORE_FILE_NAMES[kind]), 'truth.json'];

let workDir: string;
let store: GeneratedStore;
/** Data rows per entity, cut at commas: enough for every column before the first free-text one. */
let rows: Record<EntityKind, string[][]>;
let headers: Record<EntityKind, string>;

async function hashFiles(dir: string): Promise<string[]> {
  return Promise.all(
    ALL_FILES.map(async (file) =>
      createHash('sha256')
        .update(await readFile(join(dir, file)))
        .digest('hex'),
    ),
  );
}

/** Index of a column by name, from the canonical column order. */
function findColumn(kind: EntityKind, name: string): number {
  const index = ENTITIES[kind].columns.findIndex((spec) => spec.name === name);
  if (index < 0) throw new Error(`no column ${name} in ${kind}`);
  return index;
}

function readCell(row: readonly string[], index: number): string {
  return row[index] ?? '';
}

function toCents(text: string): number {
  return Math.round(Number(text) * 100);
}

/** |observed − expected| within 4 standard errors of a proportion p estimated from n draws. */
function expectShareNear(count: number, n: number, p: number): void {
  expect(Math.abs(count / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'huiyuan-generate-'));
  store = await generateStore(join(workDir, 'a'), OPTIONS);
  rows = {} as Record<EntityKind, string[][]>;
  headers = {} as Record<EntityKind, string>;
  for (const kind of ENTITY_KINDS) {
    const lines = (await readFile(store.files[kind], 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    headers[kind] = lines.shift() ?? '';
    rows[kind] = lines.map((line) => line.split(','));
  }
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('generateStore', () => {
  it('writes the header of every file as the entity columns, in order', () => {
    for (const kind of ENTITY_KINDS) {
      expect(headers[kind]).toBe(ENTITIES[kind].columns.map((spec) => spec.name).join(','));
    }
  });

  it('reports the rows it wrote', () => {
    for (const kind of ENTITY_KINDS) expect(store.rows[kind]).toBe(rows[kind].length);
    expect(rows.customers).toHaveLength(OPTIONS.customers);
  });

  it('writes byte-identical files for the same options', async () => {
    const again = await generateStore(join(workDir, 'b'), OPTIONS);
    expect(await hashFiles(again.dir)).toEqual(await hashFiles(store.dir));
  });

  it('writes different files for a different seed', async () => {
    const other = await generateStore(join(workDir, 'c'), { ...OPTIONS, seed: 8 });
    const [first, second] = [await hashFiles(store.dir), await hashFiles(other.dir)];
    for (let i = 0; i < ALL_FILES.length; i++) expect(second[i]).not.toBe(first[i]);
  });

  it('makes about 60% of customers members, 5% members without orders', () => {
    const customerId = findColumn('customers', 'id');
    const memberSince = findColumn('customers', 'member_since');
    const ordering = new Set(rows.orders.map((row) => readCell(row, findColumn('orders', 'customer_id'))));
    const members = rows.customers.filter((row) => readCell(row, memberSince) !== '');
    const prospects = members.filter((row) => !ordering.has(readCell(row, customerId)));
    expectShareNear(members.length, rows.customers.length, store.truth.targets.member_share);
    expectShareNear(prospects.length, rows.customers.length, store.truth.targets.prospect_share);
    // Every customer who is not a prospect has an order: the generator writes no idle non-members.
    const idle = rows.customers.filter(
      (row) => readCell(row, memberSince) === '' && !ordering.has(readCell(row, customerId)),
    );
    expect(idle).toHaveLength(0);
  });

  it('leaves about 8% of orders without a customer (guest orders)', () => {
    const guests = rows.orders.filter((row) => readCell(row, findColumn('orders', 'customer_id')) === '');
    expectShareNear(guests.length, rows.orders.length, store.truth.targets.guest_order_share);
  });

  it('spreads customers over provinces by the shopper weights', () => {
    const province = findColumn('customers', 'province');
    const counts = new Map<string, number>();
    for (const row of rows.customers)
      counts.set(readCell(row, province), (counts.get(readCell(row, province)) ?? 0) + 1);
    const total = PROVINCES.reduce((sum, entry) => sum + entry.shopperWeight, 0);
    for (const entry of PROVINCES) {
      expectShareNear(counts.get(entry.name) ?? 0, rows.customers.length, entry.shopperWeight / total);
    }
    expect([...counts.keys()].every((name) => PROVINCES.some((entry) => entry.name === name))).toBe(true);
  });

  it('gives ordering customers ordersPerCustomer GMV orders on average', () => {
    const customerId = findColumn('orders', 'customer_id');
    const status = findColumn('orders', 'status');
    const perCustomer = new Map<string, number>();
    for (const row of rows.orders) {
      const id = readCell(row, customerId);
      if (id !== '' && GMV_STATUSES.includes(readCell(row, status) as OrderStatus)) {
        perCustomer.set(id, (perCustomer.get(id) ?? 0) + 1);
      }
    }
    const counts = [...perCustomer.values()];
    const mean = counts.reduce((sum, count) => sum + count, 0) / counts.length;
    const variance = counts.reduce((sum, count) => sum + (count - mean) ** 2, 0) / (counts.length - 1);
    expect(Math.abs(mean - 2.5)).toBeLessThan(4 * Math.sqrt(variance / counts.length));
    expect(store.truth.purchase.expected_orders_per_ordering_customer).toBeCloseTo(2.5, 4);
  });

  it('prices every paid order exactly: lines − discount + shipping = paid, and counts its items', () => {
    const lineOrder = findColumn('order-lines', 'order_id');
    const quantity = findColumn('order-lines', 'quantity');
    const unitPrice = findColumn('order-lines', 'unit_price');
    const goods = new Map<string, { cents: number; items: number }>();
    for (const row of rows['order-lines']) {
      const entry = goods.get(readCell(row, lineOrder)) ?? { cents: 0, items: 0 };
      entry.cents += Number(readCell(row, quantity)) * toCents(readCell(row, unitPrice));
      entry.items += Number(readCell(row, quantity));
      goods.set(readCell(row, lineOrder), entry);
    }
    const mismatches: string[] = [];
    let checked = 0;
    for (const row of rows.orders) {
      const id = readCell(row, findColumn('orders', 'id'));
      const entry = goods.get(id) ?? { cents: 0, items: 0 };
      if (Number(readCell(row, findColumn('orders', 'item_count'))) !== entry.items || entry.items === 0) {
        mismatches.push(`${id}: item_count`);
      }
      const status = readCell(row, findColumn('orders', 'status')) as OrderStatus;
      const paid = toCents(readCell(row, findColumn('orders', 'paid_amount')));
      if (GMV_STATUSES.includes(status)) {
        const due =
          entry.cents -
          toCents(readCell(row, findColumn('orders', 'discount'))) +
          toCents(readCell(row, findColumn('orders', 'shipping')));
        if (due !== paid) mismatches.push(`${id}: lines give ${due} cents, paid ${paid}`);
        checked++;
      } else if (paid !== 0 || readCell(row, findColumn('orders', 'paid_at')) !== '') {
        // Unpaid and cancelled orders keep their cart lines but were never paid.
        mismatches.push(`${id}: ${status} but paid`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(0.9 * rows.orders.length);
  });

  it('never refunds more than was paid, on an order or a line', () => {
    const overOrders = rows.orders.filter(
      (row) =>
        toCents(readCell(row, findColumn('orders', 'refunded_amount'))) >
        toCents(readCell(row, findColumn('orders', 'paid_amount'))),
    );
    const overLines = rows['order-lines'].filter(
      (row) =>
        toCents(readCell(row, findColumn('order-lines', 'refunded_amount'))) >
        Number(readCell(row, findColumn('order-lines', 'quantity'))) *
          toCents(readCell(row, findColumn('order-lines', 'unit_price'))),
    );
    expect(overOrders).toEqual([]);
    expect(overLines).toEqual([]);
  });

  it('keeps every entity key unique', () => {
    for (const kind of ENTITY_KINDS) {
      const indexes = ENTITIES[kind].key.map((name) => findColumn(kind, name));
      const keys = new Set(
        rows[kind].map((row) => indexes.map((index) => readCell(row, index)).join('\u0000')),
      );
      expect(keys.size).toBe(rows[kind].length);
    }
  });

  it('links every non-guest order and every feedback row to a known customer and order', () => {
    const customers = new Set(rows.customers.map((row) => readCell(row, findColumn('customers', 'id'))));
    const orders = new Set(rows.orders.map((row) => readCell(row, findColumn('orders', 'id'))));
    const knownCustomer = (id: string): boolean => id === '' || customers.has(id);
    expect(
      rows.orders.filter((row) => !knownCustomer(readCell(row, findColumn('orders', 'customer_id')))),
    ).toEqual([]);
    expect(
      rows.feedback.filter(
        (row) =>
          !knownCustomer(readCell(row, findColumn('feedback', 'customer_id'))) ||
          !orders.has(readCell(row, findColumn('feedback', 'order_id'))),
      ),
    ).toEqual([]);
    expect(
      rows['order-lines'].filter((row) => !orders.has(readCell(row, findColumn('order-lines', 'order_id')))),
    ).toEqual([]);
  });

  it('keeps every timestamp inside the period, in YYYY-MM-DD HH:MM:SS', () => {
    const first = `${store.truth.start} 00:00:00`;
    const last = `${store.truth.end} 23:59:59`;
    const timestamp = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
    const bad: string[] = [];
    for (const kind of ENTITY_KINDS) {
      const indexes = ENTITIES[kind].columns.flatMap((spec, index) =>
        spec.type === 'timestamp' ? [index] : [],
      );
      for (const row of rows[kind]) {
        for (const index of indexes) {
          const value = readCell(row, index);
          if (value !== '' && (!timestamp.test(value) || value < first || value > last))
            bad.push(`${kind}: ${value}`);
        }
      }
    }
    expect(bad).toEqual([]);
    expect(store.truth.start).toBe('2024-11-01');
  });

  it('marks a session bounced exactly when it has one page view', () => {
    const pageViews = findColumn('sessions', 'page_views');
    const bounced = findColumn('sessions', 'bounced');
    const wrong = rows.sessions.filter(
      (row) => readCell(row, bounced) !== String(readCell(row, pageViews) === '1'),
    );
    expect(wrong).toEqual([]);
  });

  it('records realised counts in the truth that match the files', () => {
    const { counts } = store.truth;
    expect(counts.customers).toBe(rows.customers.length);
    expect(counts.orders).toBe(rows.orders.length);
    expect(counts.sessions).toBe(rows.sessions.length);
    expect(counts.guest_orders).toBe(
      rows.orders.filter((row) => readCell(row, findColumn('orders', 'customer_id')) === '').length,
    );
    expect(counts.members).toBe(
      rows.customers.filter((row) => readCell(row, findColumn('customers', 'member_since')) !== '').length,
    );
  });
});
