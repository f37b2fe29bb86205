/**
 * Customer facts as of 2024-03-31 (Asia/Shanghai, UTC+8), worked out by hand from the orders
 * below. Times are UTC; the local day is the UTC time + 8 h.
 *
 * A: purchases on local days 03-01 (two orders, one at 23:30 local = 15:30Z), 03-11 and 03-31
 *    (16:30Z on 03-30 = 00:30 local on 03-31); one order at 16:30Z on 03-31 is local 04-01,
 *    after the day, and is left out. Purchase days 03-01, 03-11, 03-31: gaps 10 and 20, own
 *    cycle 15, last gap 20, 4 purchases, 3 purchase days. Paid 100 + 50 + 30 + 20 = 200, refunded
 *    10 → net 190, gross 200, largest 100, items (1 + 2 + 3 + 4) / 4 = 2.5.
 * B: one purchase (03-20, paid 80, 2 items) and a refund-only order (03-25, paid 0, refunded
 *    30): 1 purchase, 1 day, no gap, net 50, gross 80.
 * C: only a cancelled order: no row.
 * Guest (no customer id): no row.
 * Power window 7 days (03-25 … 03-31): A has one purchase in it (03-31, 20 net); B only the
 * refund-only order (net −30, no purchase). Loyal window 20 days (03-12 … 03-31): A's purchase
 * day 03-31 → 1 day, 1 order; B's 03-20 → 1 day, 1 order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCustomerFactsSql } from '../src/analytics/facts/customer-facts.js';
import { getLocalDays, ZONE_LOCAL_DAYS, type LocalDays } from '../src/analytics/facts/local-day.js';
import {
  buildHistoriesFromFactsQuery,
  buildHistoriesTableQuery,
  HISTORIES_TABLE,
} from '../src/analytics/predict/prepare-customers.js';
import { ParamList, raw } from '../src/store/sql.js';
import { openTempStore, type TempStore } from './helpers.js';

let temp: TempStore;
beforeEach(async () => {
  temp = await openTempStore('Asia/Shanghai');
  const orders: [string, string | null, string, string, number, number, number][] = [
    ['a1', 'A', '2024-02-29T17:00:00Z', 'completed', 100, 10, 1],
    ['a2', 'A', '2024-03-01T15:30:00Z', 'paid', 50, 0, 2],
    ['a3', 'A', '2024-03-11T02:00:00Z', 'shipped', 30, 0, 3],
    ['a4', 'A', '2024-03-30T16:30:00Z', 'completed', 20, 0, 4],
    ['a5', 'A', '2024-03-31T16:30:00Z', 'completed', 999, 0, 9],
    ['b1', 'B', '2024-03-20T04:00:00Z', 'completed', 80, 0, 2],
    ['b2', 'B', '2024-03-25T04:00:00Z', 'refunded', 0, 30, 0],
    ['c1', 'C', '2024-03-20T04:00:00Z', 'cancelled', 70, 0, 1],
    ['g1', null, '2024-03-20T04:00:00Z', 'completed', 60, 0, 1],
  ];
  for (const [id, customer, placed, status, paid, refunded, items] of orders) {
    await temp.store.run({
      sql: `INSERT INTO orders (id, customer_id, placed_at, status, paid_amount, refunded_amount, item_count,
          batch_id, first_imported_at, updated_at)
        VALUES ($1, $2, $3::TIMESTAMPTZ, $4, $5, $6, $7, 1, now(), now())`,
      params: [id, customer, placed, status, paid, refunded, items],
    });
  }
});
afterEach(() => temp.cleanup());

async function readFacts(localDays: LocalDays): Promise<Record<string, unknown>[]> {
  const params = new ParamList();
  const select = buildCustomerFactsSql(
    {
      asOf: '2024-03-31',
      localDays,
      tierWindow: {
        window_months: 1,
        contribution_months: 1,
        special_days: { dates: [], monthly: [], annual: [] },
      },
      powerWindowDays: 7,
      loyalWindowDays: 20,
      loyalDays: true,
    },
    params,
  );
  return temp.store.query({
    sql: `SELECT customer_id, purchases, purchase_days, gross::VARCHAR AS gross, net::VARCHAR AS net,
        first_purchase::VARCHAR AS first_purchase, last_purchase::VARCHAR AS last_purchase, items_per_order,
        largest_order::VARCHAR AS largest_order, gaps, own_cycle, last_gap, power_purchases,
        power_spend::VARCHAR AS power_spend, loyal_purchases, loyal_days
      FROM (${select}) ORDER BY customer_id`,
    params: params.values,
  });
}

describe('customer facts', () => {
  it('counts purchases, days, gaps and money as worked out by hand', async () => {
    const localDays = await getLocalDays(temp.store, '2024-03-31');
    expect(localDays).toEqual({ kind: 'fixed', offsetSeconds: 28800 });
    expect(await readFacts(localDays)).toEqual([
      {
        customer_id: 'A',
        purchases: 4,
        purchase_days: 3,
        gross: '200.00',
        net: '190.00',
        first_purchase: '2024-03-01',
        last_purchase: '2024-03-31',
        items_per_order: 2.5,
        largest_order: '100.00',
        gaps: [10, 20],
        own_cycle: 15,
        last_gap: 20,
        power_purchases: 1,
        power_spend: '20.00',
        loyal_purchases: 1,
        loyal_days: 1,
      },
      {
        customer_id: 'B',
        purchases: 1,
        purchase_days: 1,
        gross: '80.00',
        net: '50.00',
        first_purchase: '2024-03-20',
        last_purchase: '2024-03-20',
        items_per_order: 2,
        largest_order: '80.00',
        gaps: [],
        own_cycle: null,
        last_gap: null,
        power_purchases: 0,
        power_spend: '-30.00',
        loyal_purchases: 1,
        loyal_days: 1,
      },
    ]);
  });

  it('sums the first purchase day, and the prediction histories read from the facts are those read from the orders', async () => {
    const localDays = await getLocalDays(temp.store, '2024-03-31');
    const params = new ParamList();
    const select = buildCustomerFactsSql({ asOf: '2024-03-31', localDays, firstDaySpend: true }, params);
    await temp.store.run({ sql: `CREATE TEMP TABLE facts AS ${select}`, params: params.values });
    const histories = async (): Promise<Record<string, unknown>[]> =>
      temp.store.query(
        raw(`SELECT customer_id, first_day::VARCHAR AS first_day, x, tx_days, t_days, repeat_amount
          FROM ${HISTORIES_TABLE} ORDER BY customer_id`),
      );
    const options = { calibrationEnd: '2024-03-31', countFreeOrders: false, localDays };
    await temp.store.run(buildHistoriesFromFactsQuery({ ...options, factsTable: 'facts' }));
    const fromFacts = await histories();
    await temp.store.run(buildHistoriesTableQuery(options));
    // A: purchase days 03-01 (100 + 50), 03-11 (30), 03-31 (20): x = 2, t_x = T = 30, repeat
    // value 30 + 20. B: one purchase day 03-20, T = 11 days.
    const byHand = [
      { customer_id: 'A', first_day: '2024-03-01', x: 2, tx_days: 30, t_days: 30, repeat_amount: 50 },
      { customer_id: 'B', first_day: '2024-03-20', x: 0, tx_days: 0, t_days: 11, repeat_amount: 0 },
    ];
    expect(fromFacts).toEqual(byHand);
    expect(await histories()).toEqual(byHand);
    const [first] = await temp.store.query<{ a: string; b: string }>(
      raw(`SELECT max(first_day_spend) FILTER (WHERE customer_id = 'A')::VARCHAR AS a,
        max(first_day_spend) FILTER (WHERE customer_id = 'B')::VARCHAR AS b FROM facts`),
    );
    expect(first).toEqual({ a: '150.00', b: '80.00' });
  });

  it('cuts the same days with the fixed offset as with the zone', async () => {
    expect(await readFacts({ kind: 'fixed', offsetSeconds: 28800 })).toEqual(
      await readFacts(ZONE_LOCAL_DAYS),
    );
  });

  it('cuts days with the zone rule when the offset changes over the data', async () => {
    const other = await openTempStore('America/New_York');
    try {
      await other.store.run(
        raw(`INSERT INTO orders (id, placed_at, batch_id, first_imported_at, updated_at)
          VALUES ('w', '2024-01-10T12:00:00Z', 1, now(), now()), ('s', '2024-07-10T12:00:00Z', 1, now(), now())`),
      );
      expect(await getLocalDays(other.store, '2024-07-31')).toEqual(ZONE_LOCAL_DAYS);
    } finally {
      await other.cleanup();
    }
  });
});
