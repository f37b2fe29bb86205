/**
 * Behaviour tags on a hand-built store (test/fixtures/tags, timezone Asia/Shanghai), as of
 * D = 2024-06-30. Every figure below was worked out by hand from the fixture rows; the working
 * is here. Windows (default config): activity 30 d = 06-01 … 06-30, emotion 90 d = 04-02 …
 * 06-30, power 365 d = 2023-07-02 … 06-30.
 *
 * Counted members: A B F G H (H joined 06-30 23:00, before the end of D); J joins 07-05 (not
 * counted); X is not a member (counted with allCustomers: an order by D). Guest order g1 and
 * anything after D (a4 on 07-01, B's session on 07-01, A's rating on 07-02) never count.
 *
 * Attributes
 *   A female, born 1990-06-30: birthday on D → age 34, 90后, month 6; 北京 → 北方, 华北
 *   B male, born 1990-07-01: birthday the day after D → age 33, 90后, month 7; 广东 → 南方, 华南
 *   F female, 1985-02-10 → 39, 80后, month 2; 福建 → 南方, 华东 (华南 when the config moves it)
 *   G unknown, 1958-12-01 → 65, 60前, month 12; 山东 → 北方, 华东
 *   H male, 2001-01-01 → 23, 00后, month 1; no province → no north/south, no region
 *   X (allCustomers) male, 1975-05-05 → 49, 70后; 河南 → 北方, 华中
 * Purchasing power = net spend in the power window, among counted customers who bought in it:
 *   A 100 + 300 + 200 − 50 = 550; B 500 + 100 − 80 (b3, refund-only) = 520; F 1000 (2023-12-01).
 *   Sorted 520, 550, 1000 (n = 3); percentiles 50/80/95 → ranks ceil(1.5) = 2, ceil(2.4) = 3,
 *   ceil(2.85) = 3 → cuts 550, 1000, 1000. B 520 → low; A 550 (= cut, not above) → low;
 *   F 1000 (> 550 only) → mid. G, H no purchase → no band.
 *   Percentiles 25/50/75 → ranks 1, 2, 3 → cuts 520, 550, 1000: B low, A mid, F high.
 *   allCustomers adds X 40: 40, 520, 550, 1000 (n = 4), ranks 2, 4, 4 → cuts 520, 1000, 1000:
 *   X low, B low (= cut), A mid, F mid.
 * Activity (sessions with the customer's id started 06-01 00:00 … 06-30 23:59:59 store time)
 *   A: 05-31 23:30 is outside; 06-01 00:30 (5 PV, 300 s) and 06-29 (1 PV, 10 s, bounced empty
 *      → PV ≤ 1 → bounced): PV 6, 2 sessions, 3 pages/visit, dwell 155 s, bounce 1/2
 *   B: 06-30 23:59 (4 PV, 200 s, not bounced); 07-01 00:10 is after D: PV 4, 1, 4, 200 s, 0
 *   G: 06-15 (2 PV, 5 s, bounced true though 2 pages), 06-16 (3 PV, 95 s): PV 5, 2, 2.5, 50 s, 1/2
 *   F, H: no session → 0, 0, no ratios. The anonymous session counts for nobody.
 * Purchase behaviour (GMV-status orders up to D)
 *   A: a1 03-01 100 (1 item), a2 04-01 300 (3), a3 06-01 200 (2, 50 refunded): 3 purchases,
 *      AOV 600 / 3 = 200.00, items 6 / 3 = 2, largest 300.00, net 550.00; gaps 31, 61 → cycle
 *      median 46 → next 06-01 + 46 = 07-17; per 30 days 3 × 30 / (121 + 1) = 90 / 122.
 *   B: b1 06-10 500 (5), b2 06-10 100 (1), b3 refund-only (not a purchase, 80 refunded):
 *      2 purchases, AOV 300.00, items 3, largest 500.00, net 520.00; one purchase day → no
 *      cycle, no expected date; per 30 days 2 × 30 / (20 + 1) = 60 / 21.
 *   F: f1 2023-12-01 1000 (2): 1, AOV 1000.00, items 2, largest 1000.00, net 1000.00; per 30
 *      days 30 / (212 + 1) = 30 / 213.
 *   G: no order; H: a cancelled and an unpaid order, neither GMV: 0 purchases, net 0.00.
 * Emotion (days 04-02 … 06-30)
 *   A: a3 refunded 50 and named by a refund feedback on 06-05: one refund, last 06-05 (the
 *      feedback's day); the 2-star rating is on 07-02, after D; the 5-star is not low → negative.
 *   B: b3 refunded 80 with no refund feedback: one refund, last 05-01 (its order day); the
 *      rejection of b2 on 06-15 → negative.
 *   F: a complaint on 06-20 without customer id, about f1 → F's; the 1-star on 03-01 is before
 *      the window; the 3-star on 06-01 is not low (≤ 2) → negative. With low_rating_max 3 it is
 *      one low rating, last 06-01. With a 30-day window B's refund (05-01) drops out.
 *   G, H: nothing → not negative.
 * Summary of the members: gender female 2, male 2, unknown 1; generation 60前 1, 80后 1, 90后 2,
 *   00后 1; 北方 2 (A, G), 南方 2 (B, F), unknown 1 (H); 华北 1, 华东 2, 华南 1, unknown 1
 *   (福建 moved to 华南: 华东 1, 华南 2); power low 2, mid 1, none 2.
 *   Activity: active 3; mean PV (6 + 4 + 5 + 0 + 0) / 5 = 3; mean sessions 5 / 5 = 1; means over
 *   the active: pages/visit (3 + 4 + 2.5) / 3 = 19/6, dwell (155 + 200 + 50) / 3 = 135, bounce
 *   (0.5 + 0 + 0.5) / 3 = 1/3. Purchase: buyers 3; mean purchases 2; mean AOV (200 + 300 +
 *   1000) / 3 = 500; mean items (2 + 3 + 2) / 3 = 7/3; mean net (550 + 520 + 1000) / 3 = 690;
 *   median cycle 46 (only A has one). Emotion: negative 3 of 5 = 0.6; with a refund 2, a
 *   rejection 1, a complaint 1, a low rating 0.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CustomerTags, getCustomerTags, getTagsSummary } from '../src/analytics/tags/tags.js';
import { buildTagsCustomersQuery } from '../src/analytics/tags/tags-query.js';
import { getTagsReport, renderCustomerTags, renderTagsSummary } from '../src/cli/commands/tags.js';
import { type TagsConfig, tagsConfigSchema } from '../src/config/tags-config.js';
import { importFile } from '../src/ingest/import-file.js';
import { openTempStore, ROOT, type TempStore } from './helpers.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'tags');
const AS_OF = '2024-06-30';
const config = (tags: object = {}): TagsConfig => tagsConfigSchema.parse(tags);

let temp: TempStore;
beforeAll(async () => {
  temp = await openTempStore('Asia/Shanghai');
  for (const file of ['customers.csv', 'orders.csv', 'sessions.csv', 'feedback.csv'])
    await importFile(temp.store, join(FIXTURE, file), { rejectsDir: join(temp.dir, 'rejects') });
});
afterAll(async () => {
  await temp.cleanup();
});

async function tagsById(tags = config(), allCustomers = false): Promise<Map<string, CustomerTags>> {
  const rows = await getCustomerTags(temp.store, { asOf: AS_OF, allCustomers, config: tags });
  return new Map(rows.map((row) => [row.customer_id, row]));
}

const pick = <K extends keyof CustomerTags>(
  byId: Map<string, CustomerTags>,
  keys: readonly K[],
): Record<string, unknown[]> =>
  Object.fromEntries([...byId.values()].map((row) => [row.customer_id, keys.map((key) => row[key])]));

describe('attribute tags', () => {
  it('gives age at the day, generation, birthday month, province, north/south and region', async () => {
    const keys = [
      'gender',
      'age',
      'generation',
      'birthday_month',
      'province',
      'north_south',
      'big_region',
    ] as const;
    expect(pick(await tagsById(), keys)).toEqual({
      A: ['female', 34, '90后', 6, '北京', '北方', '华北'],
      B: ['male', 33, '90后', 7, '广东', '南方', '华南'],
      F: ['female', 39, '80后', 2, '福建', '南方', '华东'],
      G: ['unknown', 65, '60前', 12, '山东', '北方', '华东'],
      H: ['male', 23, '00后', 1, null, null, null],
    });
  });

  it('moves a province to another region by config', async () => {
    const byId = await tagsById(config({ regions: { 福建: { big_region: '华南' } } }));
    expect([byId.get('F')?.big_region, byId.get('F')?.north_south, byId.get('G')?.big_region]).toEqual([
      '华南',
      '南方',
      '华东',
    ]);
  });

  it('bands purchasing power by percentiles of net spend in the power window', async () => {
    expect(pick(await tagsById(), ['power_spend', 'power_band'])).toEqual({
      A: ['550.00', 'low'],
      B: ['520.00', 'low'],
      F: ['1000.00', 'mid'],
      G: [null, null],
      H: [null, null],
    });
    const quartiles = await tagsById(config({ power_percentiles: [25, 50, 75] }));
    expect(pick(quartiles, ['power_band'])).toEqual({
      A: ['mid'],
      B: ['low'],
      F: ['high'],
      G: [null],
      H: [null],
    });
  });

  it('with allCustomers tags non-members with an order too, and bands them all together', async () => {
    const byId = await tagsById(config(), true);
    expect([...byId.keys()]).toEqual(['A', 'B', 'F', 'G', 'H', 'X']);
    expect(pick(byId, ['age', 'generation', 'north_south', 'big_region', 'power_band']).X).toEqual([
      49,
      '70后',
      '北方',
      '华中',
      'low',
    ]);
    expect([byId.get('B')?.power_band, byId.get('A')?.power_band, byId.get('F')?.power_band]).toEqual([
      'low',
      'mid',
      'mid',
    ]);
  });
});

describe('activity tags', () => {
  it('counts sessions in the trailing window only, with pages per visit, dwell and bounce rate', async () => {
    const keys = ['page_views', 'sessions', 'pages_per_visit', 'avg_dwell_seconds', 'bounce_rate'] as const;
    expect(pick(await tagsById(), keys)).toEqual({
      A: [6, 2, 3, 155, 0.5],
      B: [4, 1, 4, 200, 0],
      F: [0, 0, null, null, null],
      G: [5, 2, 2.5, 50, 0.5],
      H: [0, 0, null, null, null],
    });
  });
});

describe('purchase behaviour tags', () => {
  it('measures purchases, AOV, items, largest order, net spend, cycle and the expected next purchase', async () => {
    const keys = [
      'purchases',
      'aov',
      'items_per_order',
      'largest_order',
      'net_spend',
      'first_purchase',
      'last_purchase',
      'purchase_cycle_days',
      'expected_next_purchase',
    ] as const;
    expect(pick(await tagsById(), keys)).toEqual({
      A: [3, '200.00', 2, '300.00', '550.00', '2024-03-01', '2024-06-01', 46, '2024-07-17'],
      B: [2, '300.00', 3, '500.00', '520.00', '2024-06-10', '2024-06-10', null, null],
      F: [1, '1000.00', 2, '1000.00', '1000.00', '2023-12-01', '2023-12-01', null, null],
      G: [0, null, null, null, '0.00', null, null, null, null],
      H: [0, null, null, null, '0.00', null, null, null, null],
    });
  });

  it('gives purchases per 30 days since the first purchase day', async () => {
    const byId = await tagsById();
    expect(byId.get('A')?.purchases_per_30_days).toBeCloseTo(90 / 122, 12);
    expect(byId.get('B')?.purchases_per_30_days).toBeCloseTo(60 / 21, 12);
    expect(byId.get('F')?.purchases_per_30_days).toBeCloseTo(30 / 213, 12);
    expect(byId.get('G')?.purchases_per_30_days).toBeNull();
  });
});

describe('emotion tags', () => {
  const keys = [
    'refunds',
    'last_refund',
    'rejections',
    'last_rejection',
    'complaints',
    'last_complaint',
    'low_ratings',
    'last_low_rating',
    'negative_emotion',
  ] as const;

  it('counts refunds once per order, rejections, complaints and low ratings in the window', async () => {
    expect(pick(await tagsById(), keys)).toEqual({
      A: [1, '2024-06-05', 0, null, 0, null, 0, null, true],
      B: [1, '2024-05-01', 1, '2024-06-15', 0, null, 0, null, true],
      F: [0, null, 0, null, 1, '2024-06-20', 0, null, true],
      G: [0, null, 0, null, 0, null, 0, null, false],
      H: [0, null, 0, null, 0, null, 0, null, false],
    });
  });

  it('takes the low-rating bound and the window from config', async () => {
    const lenient = await tagsById(config({ low_rating_max: 3 }));
    expect([lenient.get('F')?.low_ratings, lenient.get('F')?.last_low_rating]).toEqual([1, '2024-06-01']);
    const month = await tagsById(config({ emotion_window_days: 30 }));
    expect([month.get('B')?.refunds, month.get('B')?.rejections, month.get('B')?.negative_emotion]).toEqual([
      0,
      1,
      true,
    ]);
  });
});

describe('refunds that feedback names', () => {
  /*
   * Members P and Q, as of 2024-06-30, emotion window 04-02 … 06-30. Refunded orders in the
   * window: P's p1 (05-10), p2 (06-20) and p3 (06-28); Q's q1 (06-01). Q's refund feedback of
   * 06-25 names P's p2; P's refund feedback names p3 but is dated 03-01, outside the window.
   * A named order counts once, as its feedback: for the feedback's customer, on its day, and
   * only when that day is in the window. So P: p1 only → 1 refund, last 05-10; Q: q1 and the
   * feedback naming p2 → 2 refunds, last 06-25.
   */
  it('counts a named order as its feedback, and its day as the feedback’s', async () => {
    const named = await openTempStore('Asia/Shanghai');
    try {
      const files: Record<string, string> = {
        'customers.csv':
          'id,gender,birthday,province,member_since\nP,female,,,2024-01-01 00:00:00\nQ,male,,,2024-01-01 00:00:00\n',
        'orders.csv': [
          'id,customer_id,placed_at,status,paid_amount,refunded_amount,item_count',
          'p1,P,2024-05-10 12:00:00,refunded,100.00,100.00,1',
          'p2,P,2024-06-20 12:00:00,completed,50.00,20.00,1',
          'p3,P,2024-06-28 12:00:00,completed,60.00,60.00,1',
          'q1,Q,2024-06-01 12:00:00,refunded,80.00,80.00,1',
          '',
        ].join('\n'),
        'feedback.csv': [
          'customer_id,order_id,kind,rating,created_at,text',
          'Q,p2,refund,,2024-06-25 12:00:00,',
          'P,p3,refund,,2024-03-01 12:00:00,',
          '',
        ].join('\n'),
      };
      for (const [file, text] of Object.entries(files)) {
        writeFileSync(join(named.dir, file), text);
        await importFile(named.store, join(named.dir, file), { rejectsDir: join(named.dir, 'rejects') });
      }
      const rows = await getCustomerTags(named.store, { asOf: AS_OF, config: config() });
      expect(rows.map((row) => [row.customer_id, row.refunds, row.last_refund])).toEqual([
        ['P', 1, '2024-05-10'],
        ['Q', 2, '2024-06-25'],
      ]);
    } finally {
      await named.cleanup();
    }
  });
});

describe('tags summary', () => {
  it("summarises each family's distribution over the members", async () => {
    const summary = await getTagsSummary(temp.store, { asOf: AS_OF, config: config() });
    expect(summary.customers).toBe(5);
    const counts = (dimension: keyof typeof summary.attributes) =>
      summary.attributes[dimension].map((c) => [c.value, c.customers]);
    expect(counts('gender')).toEqual([
      ['female', 2],
      ['male', 2],
      ['unknown', 1],
    ]);
    expect(counts('generation')).toEqual([
      ['60前', 1],
      ['80后', 1],
      ['90后', 2],
      ['00后', 1],
    ]);
    expect(counts('north_south')).toEqual([
      ['北方', 2],
      ['南方', 2],
      [null, 1],
    ]);
    expect(counts('big_region')).toEqual([
      ['华北', 1],
      ['华东', 2],
      ['华南', 1],
      [null, 1],
    ]);
    expect(counts('power_band')).toEqual([
      ['low', 2],
      ['mid', 1],
      [null, 2],
    ]);
    expect(summary.attributes.power_band[0]?.share).toBeCloseTo(0.4, 12);
    const { activity, purchase, emotion } = summary;
    expect([activity.active_customers, activity.mean_page_views, activity.mean_sessions]).toEqual([3, 3, 1]);
    expect(activity.mean_pages_per_visit).toBeCloseTo(19 / 6, 12);
    expect(activity.mean_dwell_seconds).toBeCloseTo(135, 12);
    expect(activity.mean_bounce_rate).toBeCloseTo(1 / 3, 12);
    expect([purchase.buyers, purchase.median_purchase_cycle_days]).toEqual([3, 46]);
    expect(purchase.mean_purchases).toBeCloseTo(2, 12);
    expect(purchase.mean_aov).toBeCloseTo(500, 9);
    expect(purchase.mean_items_per_order).toBeCloseTo(7 / 3, 12);
    expect(purchase.mean_net_spend).toBeCloseTo(690, 9);
    expect([
      emotion.negative_customers,
      emotion.negative_share,
      emotion.refund_customers,
      emotion.rejection_customers,
      emotion.complaint_customers,
      emotion.low_rating_customers,
    ]).toEqual([3, 0.6, 2, 1, 1, 0]);
  });

  it('follows the region table of the config', async () => {
    const summary = await getTagsSummary(temp.store, {
      asOf: AS_OF,
      config: config({ regions: { 福建: { big_region: '华南' } } }),
    });
    expect(summary.attributes.big_region.map((c) => [c.value, c.customers])).toEqual([
      ['华北', 1],
      ['华东', 1],
      ['华南', 2],
      [null, 1],
    ]);
  });
});

describe('tags config', () => {
  const issue = (tags: unknown) => {
    const result = tagsConfigSchema.safeParse(tags);
    return result.success
      ? null
      : { path: result.error.issues[0]?.path.join('.'), message: result.error.issues[0]?.message };
  };

  it('names the field of a bad value or an unknown field', () => {
    expect(issue({ activity_window_days: 0 })).toEqual({
      path: 'activity_window_days',
      message: 'expected a whole number of days ≥ 1 (the trailing window of the activity tags)',
    });
    expect(issue({ low_rating_max: 5 })?.path).toBe('low_rating_max');
    expect(issue({ power_percentiles: [80, 50, 95] })).toEqual({
      path: 'power_percentiles',
      message: 'expected 3 strictly ascending percentiles',
    });
    expect(issue({ regions: { 福建省: { big_region: '华南' } } })?.path).toBe('regions.福建省');
    expect(issue({ regions: { 福建: { big_region: '东南' } } })?.path).toBe('regions.福建.big_region');
    const unknown = tagsConfigSchema.safeParse({ emotion_days: 30 });
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['emotion_days'] });
  });

  it('has the defaults', () => {
    expect(config()).toEqual({
      activity_window_days: 30,
      emotion_window_days: 90,
      low_rating_max: 2,
      power_window_days: 365,
      power_percentiles: [50, 80, 95],
      regions: {},
    });
  });
});

describe('huiyuan tags (command logic)', () => {
  it('defaults to the day of the last order and prints the summary as JSON', async () => {
    const report = await getTagsReport(temp.store, { config: config() });
    // The last order is a4 on 2024-07-01: A's purchases become 4, H still counted, J not yet.
    expect(report?.kind).toBe('summary');
    if (report?.kind !== 'summary') return;
    const json = JSON.parse(renderTagsSummary(report.summary, 'json')) as {
      as_of: string;
      customers: number;
      emotion: { negative_customers: number };
    };
    expect([json.as_of, json.customers, json.emotion.negative_customers]).toEqual(['2024-07-01', 5, 3]);
  });

  it("prints one customer's tags", async () => {
    const report = await getTagsReport(temp.store, { asOf: AS_OF, customerId: 'A', config: config() });
    expect(report?.kind).toBe('customer');
    if (report?.kind !== 'customer') return;
    const json = JSON.parse(renderCustomerTags(report.as_of, report.tags, 'json')) as Record<string, unknown>;
    expect([
      json.as_of,
      json.customer_id,
      json.generation,
      json.purchases,
      json.expected_next_purchase,
    ]).toEqual([AS_OF, 'A', '90后', 3, '2024-07-17']);
    const csv = renderCustomerTags(report.as_of, report.tags, 'csv').split('\n');
    expect(csv[0]).toBe('family,tag,value');
    expect(csv).toContain('purchase 购买行为,net_spend,550.00');
  });

  it('refuses a customer who is not counted, naming them', async () => {
    await expect(
      getTagsReport(temp.store, { asOf: AS_OF, customerId: 'X', config: config() }),
    ).rejects.toThrow(
      /customer 'X' is not counted as of 2024-06-30: not a member by then \(try --all-customers\)/,
    );
    const x = await getTagsReport(temp.store, {
      asOf: AS_OF,
      customerId: 'X',
      allCustomers: true,
      config: config(),
    });
    expect(x?.kind === 'customer' && x.tags.generation).toBe('70后');
  });

  it('builds one parameterised query, with no value spliced into the text', () => {
    const query = buildTagsCustomersQuery({ asOf: AS_OF, customerId: "O'Brien", config: config() });
    expect(query.sql).not.toContain(AS_OF);
    expect(query.sql).not.toContain("O'Brien");
    expect(query.params).toContain("O'Brien");
  });
});
