/**
 * Demo store generator: writes a realistic synthetic Chinese fashion-and-beauty online store as canonical CSV
 * files (customers, orders, order lines, sessions, feedback) plus `truth.json`, the parameters and counts it
 * was drawn from, so every later analysis (RFM, tiers, lifecycle, KPIs, BG/NBD and Gamma-Gamma predictions,
 * monitors) can be checked against known ground truth.
 *
 * The models:
 * - purchases follow the BG/NBD process of Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way":
 *   λ ~ Gamma(r, α) per week, p ~ Beta(a, b), Poisson purchasing while alive, dropout with probability p after
 *   each repeat purchase; α is solved so the mean number of GMV orders per ordering customer hits the target;
 * - order values follow the Gamma-Gamma model of Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary
 *   Value": ν ~ Gamma(q, γ) per customer, each order's paid amount ~ Gamma(p, ν);
 * - seasonality moves purchases to 双11, 618 and the monthly member day without changing how many there are.
 *
 * It streams: every customer is generated, written and forgotten before the next, lines are encoded into 1 MB
 * buffers and written with backpressure, so memory stays flat however many customers are asked for. Same options
 * give byte-identical files: one seeded generator is consumed in a fixed order, and no clock is read. Times are
 * kept as whole seconds since the period start in the store's local time (Asia/Shanghai, UTC+08:00 all year,
 * China has no daylight saving), which makes formatting a table lookup.
 *
 * This module holds the options and truth types, the model's parameters and the per-customer simulation; the
 * parts it draws on sit beside it: calendar.ts (period, day indices, timestamps), seasonality.ts (hours of the
 * day, festivals), bgnbd-calibration.ts (solving α), catalogue.ts (SKUs and prices), basket.ts (order lines and
 * refunds to the cent), people.ts (names, addresses, contacts), csv-writer.ts (buffered output) and random.ts.
 */

import { mkdir, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PROVINCES } from '../domain/regions.js';
import { AppError } from '../errors.js';
import {
  ENTITIES,
  ENTITY_KINDS,
  type EntityKind,
  type FeedbackKind,
  type Gender,
  type OrderStatus,
} from '../store/entities.js';
import { buildBasket, refundLine, refundPart, refundWholeOrder, type Basket, type Line } from './basket.js';
import { calibratePurchaseModel, getAcquisitionFraction } from './bgnbd-calibration.js';
import {
  createCalendar,
  formatDay,
  formatPad2,
  formatTimestamp,
  getDayIndex,
  parseDate,
  SECONDS_PER_DAY,
  SECONDS_PER_WEEK,
  type Calendar,
} from './calendar.js';
import { buildCatalogue, CATEGORIES, sampleCategoryIndex, type Sku } from './catalogue.js';
import { CsvWriter, quoteCsv } from './csv-writer.js';
import {
  sampleBirthday,
  sampleBirthYear,
  sampleCity,
  sampleEmail,
  sampleName,
  samplePhone,
  sampleProvince,
} from './people.js';
import { Random, WeightedChoice } from './random.js';
import {
  buildSeasonality,
  DOUBLE_11_MIDNIGHT_SHARE,
  getSecondOfDay,
  MEMBER_DAY,
  PEAKS,
  type SeasonalPeak,
} from './seasonality.js';

export { computeExpectedRepeatPurchases } from './bgnbd-calibration.js';
export type { SeasonalPeak } from './seasonality.js';

// ---------------------------------------------------------------------------------------------------------------
// Public API

export interface GenerateStoreOptions {
  /** Total number of customer rows (members, prospects and plain customers). */
  customers: number;
  seed: number;
  /** Last day of the data, YYYY-MM-DD in store time; default '2026-10-31'. */
  endDate?: string;
  /** Length of the period in whole years, ending on endDate; default 2. */
  years?: number;
  /** Target mean number of GMV orders per customer with orders; default 2.5. */
  ordersPerCustomer?: number;
  /** Anomalies to plant for the monitor's tests; default: the two built-in ones and nothing else. */
  anomalies?: PlantedAnomalies;
}

/**
 * Anomalies planted on given days (YYYY-MM-DD, store time), each recorded in the truth, so a test
 * can count which of them the monitor alerts on. Every list is empty by default; a store planted
 * with none draws exactly the same random numbers as before, so its files are unchanged.
 */
export interface PlantedAnomalies {
  /** Keep the built-in activity drop and refund spike (default true); false with no lists gives a clean store. */
  builtIn?: boolean;
  /** A site outage: 80% of the day's sessions (every kind, customer and anonymous) are lost from the data. */
  activityDrops?: readonly string[];
  /** A courier failure: customers who ordered in the ten days before complain that day. */
  complaintSpikes?: readonly string[];
  /** Activity up while sales fall: browsing is six times the usual, and 85% of the day's purchases are put off by 1–7 days. */
  salesSlumps?: readonly string[];
  /**
   * A tier made non-stepped: former non-member buyers with one large order 352–360 days earlier join the
   * programme that day (8% of the members so far), so the top tier fills with members contributing nothing
   * recent; it clears as those orders leave the 12-month tier window. Needs 370 days of data before the day.
   */
  tierBreaks?: readonly string[];
}

export interface GeneratedStore {
  dir: string;
  /** Path of each entity's CSV file. */
  files: Record<EntityKind, string>;
  /** Data rows written per entity (header excluded). */
  rows: Record<EntityKind, number>;
  truth: GeneratorTruth;
}

export interface GeneratorAnomaly {
  kind: 'activity_drop' | 'refund_spike' | 'complaint_spike' | 'sales_slump' | 'tier_break';
  /** First and last affected day, YYYY-MM-DD, inclusive. */
  from: string;
  to: string;
  description: string;
  /** activity_drop: share of the day's sessions kept in the data. */
  keep_probability?: number;
  /** refund_spike: the faulty SKU, the days the bad batch was sold, and the chance its buyers ask for a refund. */
  sku?: string;
  sold_from?: string;
  sold_to?: string;
  refund_probability?: number;
  /** tier_break: the members who joined that day. */
  joiners?: number;
  /** Planted through the anomalies option (false: one of the two built into every demo store). */
  planted?: boolean;
}

/** What the store was generated from and what came out; written as truth.json. */
export interface GeneratorTruth {
  generator: 'huiyuan-demo';
  version: 1;
  seed: number;
  options: Required<GenerateStoreOptions>;
  /** First and last day of the data, YYYY-MM-DD in store time. */
  start: string;
  end: string;
  timezone: 'Asia/Shanghai';
  utc_offset: '+08:00';
  purchase: {
    model: 'bgnbd';
    unit: 'weeks';
    r: number;
    alpha: number;
    a: number;
    b: number;
    /** False as in Fader, Hardie & Lee (2005): a customer can only drop out after a repeat purchase. */
    dropout_after_first_purchase: false;
    /** First purchases spread over the period with density ∝ growth^(years since start). */
    acquisition_growth_per_year: number;
    /** Expected GMV orders per ordering customer under these parameters (the solved target). */
    expected_orders_per_ordering_customer: number;
  };
  spend: {
    model: 'gamma-gamma';
    currency: 'CNY';
    p: number;
    q: number;
    gamma: number;
    /** p·γ/(q−1): the expected paid amount of an order. */
    expected_order_value: number;
  };
  seasonality: {
    peaks: SeasonalPeak[];
    member_day: { day_of_month: number; window_days: number; shift_probability: number };
    /** The same probabilities by name (the peaks' names and 会员日), for quick reading. */
    shift_probability: Record<string, number>;
    /** Every peak and member day inside the period: the special days tier calibration may exclude. */
    special_days: string[];
  };
  /** The shares the generator aims at; realised values are in counts. */
  targets: {
    member_share: number;
    prospect_share: number;
    member_probability_one_order: number;
    member_probability_repeat_buyer: number;
    guest_order_share: number;
    unpaid_order_share: number;
    cancelled_order_share: number;
    refund_rate: number;
    partial_refund_share: number;
    rejection_rate: number;
    complaint_rate: number;
    rating_rate: number;
    anonymous_session_share: number;
    gender: Record<Gender, number>;
    channels: Record<string, number>;
    province_weights: Record<string, number>;
  };
  anomalies: GeneratorAnomaly[];
  counts: {
    customers: number;
    members: number;
    prospects: number;
    ordering_customers: number;
    ordering_members: number;
    orders: number;
    gmv_orders: number;
    customer_gmv_orders: number;
    guest_orders: number;
    unpaid_orders: number;
    cancelled_orders: number;
    refunded_orders: number;
    partially_refunded_orders: number;
    rejected_orders: number;
    shifted_purchases: number;
    order_lines: number;
    sessions: number;
    anonymous_sessions: number;
    feedback: number;
    complaints: number;
    ratings: number;
    /** Sum of paid_amount over GMV orders, CNY with 2 decimals. */
    gmv: string;
    refunded: string;
    mean_orders_per_ordering_customer: number;
    average_order_value: number;
  };
}

/** File name of each entity inside the output directory. */
export const STORE_FILE_NAMES: Readonly<Record<EntityKind, string>> = {
  customers: 'customers.csv',
  orders: 'orders.csv',
  'order-lines': 'order_lines.csv',
  sessions: 'sessions.csv',
  feedback: 'feedback.csv',
};

const DEFAULT_END_DATE = '2026-10-31';
const DEFAULT_YEARS = 2;
const DEFAULT_ORDERS_PER_CUSTOMER = 2.5;

/**
 * Generates a synthetic store into `dir` (created if missing; existing files of the same names are replaced):
 * the five canonical CSV files and truth.json. Deterministic for given options; streams, so a million customers
 * (about 2.6 million orders) take well under 2 GB.
 *
 * @example const store = await generateStore('/tmp/demo', { customers: 10_000, seed: 1 });
 *   store.rows.orders; // ≈ 26,000
 */
export async function generateStore(
  dir: string,
  options: GenerateStoreOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<GeneratedStore> {
  const resolved = resolveOptions(options);
  assertColumnsMatchEntities();
  const calendar = createCalendar(resolved.endDate, resolved.years);
  await mkdir(dir, { recursive: true });
  const files = Object.fromEntries(
    ENTITY_KINDS.map((kind) => [kind, join(dir, STORE_FILE_NAMES[kind])]),
  ) as Record<EntityKind, string>;
  const writers = Object.fromEntries(
    ENTITY_KINDS.map((kind) => [kind, new CsvWriter(files[kind])]),
  ) as Record<EntityKind, CsvWriter>;
  try {
    for (const kind of ENTITY_KINDS)
      writers[kind].writeHeader(ENTITIES[kind].columns.map((column) => column.name));
    const generator = new StoreGenerator(resolved, calendar, writers);
    const total = resolved.customers;
    for (let index = 0; index < total; index++) {
      generator.generateCustomer(index);
      for (const kind of ENTITY_KINDS) {
        if (writers[kind].isFull()) await writers[kind].flush();
      }
      if (onProgress !== undefined && (index + 1) % 1000 === 0) onProgress(index + 1, total);
    }
    generator.generatePlantedJoiners();
    for (const kind of ENTITY_KINDS) await writers[kind].close();
    if (onProgress !== undefined && total % 1000 !== 0) onProgress(total, total);
    const rows = Object.fromEntries(ENTITY_KINDS.map((kind) => [kind, writers[kind].rows])) as Record<
      EntityKind,
      number
    >;
    const truth = generator.describeTruth();
    await writeFile(join(dir, 'truth.json'), `${JSON.stringify(truth, null, 2)}\n`);
    return { dir, files, rows, truth };
  } catch (error) {
    // Leave no truncated store behind (nor the truth of an earlier one beside it).
    for (const kind of ENTITY_KINDS) writers[kind].destroy();
    await Promise.all(
      [...Object.values(files), join(dir, 'truth.json')].map((file) => rm(file, { force: true })),
    );
    throw error;
  }
}

function resolveOptions(options: GenerateStoreOptions): Required<GenerateStoreOptions> {
  const resolved = {
    customers: options.customers,
    seed: options.seed,
    endDate: options.endDate ?? DEFAULT_END_DATE,
    years: options.years ?? DEFAULT_YEARS,
    ordersPerCustomer: options.ordersPerCustomer ?? DEFAULT_ORDERS_PER_CUSTOMER,
    anomalies: options.anomalies ?? {},
  };
  if (!Number.isSafeInteger(resolved.customers) || resolved.customers < 1) {
    throw new AppError(
      'BAD_ARGUMENT',
      `customers must be a whole number of at least 1, got ${resolved.customers}`,
    );
  }
  if (!Number.isSafeInteger(resolved.seed)) {
    throw new AppError('BAD_ARGUMENT', `seed must be a whole number, got ${resolved.seed}`);
  }
  if (!Number.isInteger(resolved.years) || resolved.years < 1 || resolved.years > 20) {
    throw new AppError('BAD_ARGUMENT', `years must be a whole number from 1 to 20, got ${resolved.years}`);
  }
  if (!(resolved.ordersPerCustomer >= 1 && resolved.ordersPerCustomer <= 50)) {
    throw new AppError(
      'BAD_ARGUMENT',
      `ordersPerCustomer must be from 1 to 50, got ${resolved.ordersPerCustomer}`,
    );
  }
  parseDate(resolved.endDate, 'endDate');
  const { activityDrops = [], complaintSpikes = [], salesSlumps = [], tierBreaks = [] } = resolved.anomalies;
  for (const day of [...activityDrops, ...complaintSpikes, ...salesSlumps, ...tierBreaks])
    parseDate(day, 'anomaly day');
  return resolved;
}

// ---------------------------------------------------------------------------------------------------------------
// Model parameters and shares

// BG/NBD heterogeneity (FHL 2005 notation). α is solved per run from ordersPerCustomer; r, a, b are the shape of
// the customer base: r < 1 gives the long tail of heavy buyers, a < 1 a mass of near-immortal customers.
const BGNBD = { r: 0.9, a: 0.8, b: 2.6 } as const;
// Gamma-Gamma (Fader & Hardie 2013): E[order value] = pγ/(q−1) = 6·75/3 = 150 CNY, a typical fashion/beauty AOV.
const GAMMA_GAMMA = { p: 6, q: 4, gamma: 75 } as const;
// New first purchases grow 25% a year: a store that is still growing, so monthly KPIs have a trend.
const ACQUISITION_GROWTH_PER_YEAR = 1.25;

const MEMBER_SHARE = 0.6;
const PROSPECT_SHARE = 0.05;
// Repeat buyers are more likely to be members (the second path to membership in the spec: invite repeat buyers),
// so member GMV share is above member share, as in a real programme.
const MEMBER_ODDS_REPEAT_OVER_ONE = 1.5;
const GUEST_ORDER_SHARE = 0.08;
const UNPAID_SHARE = 0.02;
const CANCELLED_SHARE = 0.02;
const REFUND_RATE = 0.06;
const PARTIAL_REFUND_SHARE = 0.4;
const REJECTION_RATE = 0.015;
const COMPLAINT_RATE = 0.01;
const COMPLAINT_RATE_AFTER_REFUND = 0.08;
const RATING_RATE = 0.25;
const ANONYMOUS_SESSION_SHARE = 0.3;
// Browsing sessions without a purchase per unit of purchase rate while alive: about 4 per ordering customer.
const BROWSE_SESSIONS_PER_PURCHASE_RATE = 2.5;

const GENDER_WEIGHTS: Record<Gender, number> = { female: 0.58, male: 0.4, unknown: 0.02 };
const CHANNEL_WEIGHTS: Record<string, number> = { mobile: 0.8, pc: 0.12, 'mini-program': 0.08 };
const JOIN_CHANNELS = ['tmall', 'douyin', 'wechat', 'xiaohongshu', 'weibo', 'offline'] as const;
const JOIN_CHANNEL_WEIGHTS = [30, 25, 20, 15, 5, 5];

// Planted anomalies (PlantedAnomalies): how strong each is.
const PLANTED_DROP_KEEP = 0.2;
// The two built into every demo store, at its end so the demo's report shows them open. Each is as
// strong as a real store's would be to be worth an alert at the monitor's default z 4: an outage
// of the last two days losing 80% of the sessions (the planted kind), and a bad batch of one SKU sold
// over the month before, whose buyers ask for refunds together once the fault is known (a post
// about it spreads), in the last three days.
const BUILT_IN_OUTAGE_DAYS = 2;
const BUILT_IN_BATCH_SOLD_DAYS = 30;
const BUILT_IN_BATCH_REFUND_DAYS = 3;
const BUILT_IN_BATCH_REFUND_PROBABILITY = 0.5;
const PLANTED_COMPLAINT_PROBABILITY = 0.05;
const PLANTED_COMPLAINT_LOOKBACK_DAYS = 10;
const PLANTED_SLUMP_POSTPONE = 0.85;
const PLANTED_SLUMP_EXTRA_BROWSING = 5;
const PLANTED_JOINER_SHARE = 0.08;
const PLANTED_JOINER_ORDER_VALUE = 2500;
const PLANTED_COMPLAINT_TEXTS = ['快递丢件, 一直没收到', '物流停了好几天, 没人管', '快递站关门了, 取不到件'];

const RATING_WEIGHTS = [3, 4, 8, 25, 60]; // 1★…5★
const RATING_WEIGHTS_AFTER_REFUND = [25, 20, 25, 15, 15];

// ---------------------------------------------------------------------------------------------------------------
// Feedback texts (some with ASCII commas and quotes, so readers must honour RFC 4180 quoting)

const REFUND_TEXTS = [
  '尺码不合适',
  '颜色和图片有色差',
  '质量问题',
  '不想要了',
  '发错货了',
  '少发了一件',
  '收到时包装破损',
  '七天无理由退货',
  '尺码偏小, 换不了只能退',
  '说是"纯棉"其实不是',
];
const SPIKE_REFUND_TEXTS = [
  '用了过敏, 脸上起红疹',
  '这批质量有问题',
  '和之前买的不一样，怀疑是假货',
  '用后刺痛',
];
const REJECTION_TEXTS = ['快递太慢不想要了', '买错了', '已在别处买到', '包裹破损拒收'];
const COMPLAINT_TEXTS = [
  '客服回复太慢',
  '物流太慢，催了好几次',
  '退款处理太慢',
  '客服态度差',
  '发货慢, 说好48小时发货',
  '商品与描述不符',
];
const RATING_TEXTS: readonly (readonly string[])[] = [
  ['质量太差了', '非常失望', '和图片完全不一样'],
  ['做工一般', '有线头, 不太满意', '尺码偏差大'],
  ['一般般吧', '还行，物流有点慢', '性价比一般'],
  ['不错，会回购', '挺好的，就是发货慢了点', '质量可以'],
  ['质量很好，很满意', '物流很快, 包装精美', '第三次回购了', '和图片一样，好评', '客服很耐心'],
];

// ---------------------------------------------------------------------------------------------------------------
// Rows: the column order and field formatting

function formatCents(cents: number): string {
  const whole = Math.floor(cents / 100);
  return `${whole}.${formatPad2(cents - whole * 100)}`;
}

// The generator writes rows positionally; this is the order it writes them in. It is checked against ENTITIES at
// start so a column added there fails loudly here instead of shifting every value one place.
// prettier-ignore
const WRITTEN_COLUMNS: Record<EntityKind, readonly string[]> = {
  customers: [
    'id', 'name', 'gender', 'birthday', 'province', 'city', 'phone', 'email', 'email_consent', 'sms_consent',
    'member_since', 'created_at', 'attributes',
  ],
  orders: [
    'id', 'customer_id', 'placed_at', 'paid_at', 'status', 'paid_amount', 'shipping', 'discount', 'refunded_amount',
    'item_count', 'channel', 'source', 'coupon_code',
  ],
  'order-lines': ['order_id', 'sku', 'name', 'category', 'quantity', 'unit_price', 'refunded_amount'],
  sessions: [
    'customer_id', 'anonymous_id', 'started_at', 'page_views', 'duration_seconds', 'bounced', 'cart_adds',
    'favourites', 'purchases',
  ],
  feedback: ['customer_id', 'order_id', 'kind', 'rating', 'created_at', 'text'],
};

function assertColumnsMatchEntities(): void {
  for (const kind of ENTITY_KINDS) {
    const expected = ENTITIES[kind].columns.map((column) => column.name).join(',');
    const written = WRITTEN_COLUMNS[kind].join(',');
    if (expected !== written) {
      throw new Error(`demo generator writes ${kind} as [${written}] but the entity has [${expected}]`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The generator

type SessionKind = 'browse' | 'before-purchase' | 'purchase' | 'anonymous';

interface Session {
  start: number;
  pageViews: number;
  duration: number;
  cartAdds: number;
  favourites: number;
  purchases: number;
}

/** A paid order and its fulfilment times, for the after-sales events. */
interface PaidOrder {
  id: string;
  customerId: string;
  placed: number;
  shippedAt: number;
  /** When the buyer confirmed receipt (确认收货), by hand or by the automatic timeout. */
  confirmedAt: number;
  paidCents: number;
  basket: Basket;
}

interface AfterSales {
  /** When the refund happened (−1: none). */
  refundAt: number;
  refundedCents: number;
  fullRefund: boolean;
}

interface Shopper {
  customerId: string;
  gender: Gender;
  primaryCategory: number;
  /** Gamma-Gamma ν: the scale of this shopper's order values. */
  nu: number;
  /** Multiplier on refund and rejection rates: a few customers return a lot. */
  fussiness: number;
}

interface Counts {
  members: number;
  prospects: number;
  orderingCustomers: number;
  orderingMembers: number;
  orders: number;
  gmvOrders: number;
  customerGmvOrders: number;
  guestOrders: number;
  unpaidOrders: number;
  cancelledOrders: number;
  refundedOrders: number;
  partiallyRefundedOrders: number;
  rejectedOrders: number;
  shiftedPurchases: number;
  anonymousSessions: number;
  complaints: number;
  ratings: number;
  gmvCents: number;
  refundedCents: number;
}

class StoreGenerator {
  private readonly random: Random;
  /**
   * The built-in anomalies' own random numbers: what they draw never shifts the main stream, so a demo store is the
   * clean store of its seed (same customers, orders and sessions) with the outage and the bad batch laid over it.
   */
  private readonly anomalyRandom: Random;
  private readonly catalogue = buildCatalogue();
  private readonly alpha: number;
  private readonly expectedOrders: number;
  private readonly memberProbabilityOneOrder: number;
  private readonly memberProbabilityRepeat: number;
  private readonly logGrowth: number;
  private readonly idWidth: number;
  private readonly browseSessionsPerPurchaseRate: number;
  private readonly counts: Counts = {
    members: 0,
    prospects: 0,
    orderingCustomers: 0,
    orderingMembers: 0,
    orders: 0,
    gmvOrders: 0,
    customerGmvOrders: 0,
    guestOrders: 0,
    unpaidOrders: 0,
    cancelledOrders: 0,
    refundedOrders: 0,
    partiallyRefundedOrders: 0,
    rejectedOrders: 0,
    shiftedPurchases: 0,
    anonymousSessions: 0,
    complaints: 0,
    ratings: 0,
    gmvCents: 0,
    refundedCents: 0,
  };
  private nextOrderNumber = 1;
  private nextAnonymousNumber = 1;

  // Sorted acquisition times are drawn one at a time as uniform order statistics: the k-th smallest of n
  // uniforms, given the (k−1)-th, is x + (1 − x)(1 − V^(1/(n−k+1))). Customer ids then rise with first-seen
  // time, as a shop system assigns them, without holding a million times in memory.
  private previousOrderStatistic = 0;

  // Seasonality by day index: the peak a purchase on that day may move to (−1: none) and with what probability.
  private readonly shiftTarget: Int32Array;
  private readonly shiftProbability: Float64Array;
  private readonly double11Days: Set<number>;
  private readonly isSpecialDay: Uint8Array;
  private readonly specialDays: string[];

  private readonly genderChoice = new WeightedChoice(['female', 'male', 'unknown'] as const, [
    GENDER_WEIGHTS.female,
    GENDER_WEIGHTS.male,
    GENDER_WEIGHTS.unknown,
  ]);
  private readonly channelChoice = new WeightedChoice(
    Object.keys(CHANNEL_WEIGHTS),
    Object.values(CHANNEL_WEIGHTS),
  );
  private readonly joinChannelChoice = new WeightedChoice(JOIN_CHANNELS, JOIN_CHANNEL_WEIGHTS);
  private readonly ratingChoice = new WeightedChoice([1, 2, 3, 4, 5], RATING_WEIGHTS);
  private readonly ratingAfterRefundChoice = new WeightedChoice([1, 2, 3, 4, 5], RATING_WEIGHTS_AFTER_REFUND);
  private readonly attributeTexts = JOIN_CHANNELS.map((channel) =>
    quoteCsv(JSON.stringify({ channel_joined: channel })),
  );

  // Anomalies the monitors should find, recorded in the truth.
  private readonly activityDrop: { from: number; to: number; keep: number };
  /** Per day, the share of all sessions kept on an outage day, built in or planted (0: no outage). */
  private readonly outageKeep: Float64Array;
  private readonly complaintSpikeDays: readonly number[];
  private readonly isSlumpDay: Uint8Array;
  private readonly hasSlumps: boolean;
  private readonly tierBreakDays: readonly number[];
  /** Members joined per day so far, for the size of a tier break. */
  private readonly memberJoins: Int32Array;
  private readonly plantedJoiners: number[] = [];
  private plantedComplaints = 0;
  /** The bad batch: orders of `sku` placed on days soldFrom…soldTo, refunded from day knownFrom to knownTo. */
  private readonly refundSpike: {
    soldFrom: number;
    soldTo: number;
    knownFrom: number;
    knownTo: number;
    sku: Sku;
    probability: number;
  };

  constructor(
    private readonly options: Required<GenerateStoreOptions>,
    private readonly calendar: Calendar,
    private readonly writers: Record<EntityKind, CsvWriter>,
  ) {
    this.random = new Random(options.seed);
    // Another high word: splitmix32 mixes it in, so the two streams are unrelated (a low-word offset could be a
    // multiple of its increment and replay the main stream one step on).
    this.anomalyRandom = new Random(options.seed + 2 ** 40);
    this.idWidth = Math.max(7, String(options.customers).length);
    // Frequent buyers browse less per purchase; this also keeps session volume moderate when many orders are asked.
    this.browseSessionsPerPurchaseRate =
      BROWSE_SESSIONS_PER_PURCHASE_RATE *
      Math.min(1, DEFAULT_ORDERS_PER_CUSTOMER / options.ordersPerCustomer);
    this.logGrowth = Math.log(ACQUISITION_GROWTH_PER_YEAR) * options.years;
    const periodWeeks = calendar.days / 7;
    const calibration = calibratePurchaseModel(BGNBD, options.ordersPerCustomer, periodWeeks, this.logGrowth);
    this.alpha = calibration.alpha;
    this.expectedOrders = calibration.expectedOrders;

    // P(member | one order) = m, P(member | repeat buyer) = 1.5 m, with m set so members are MEMBER_SHARE of all
    // customers once prospects (all members) are counted.
    const oneTimeShare = calibration.oneTimeBuyerShare;
    const memberShareOfOrdering = (MEMBER_SHARE - PROSPECT_SHARE) / (1 - PROSPECT_SHARE);
    let oneOrder = memberShareOfOrdering / (oneTimeShare + MEMBER_ODDS_REPEAT_OVER_ONE * (1 - oneTimeShare));
    let repeat = MEMBER_ODDS_REPEAT_OVER_ONE * oneOrder;
    if (repeat > 0.95) {
      repeat = 0.95;
      oneOrder = (memberShareOfOrdering - repeat * (1 - oneTimeShare)) / oneTimeShare;
    }
    this.memberProbabilityOneOrder = oneOrder;
    this.memberProbabilityRepeat = repeat;

    const seasonality = buildSeasonality(calendar);
    this.shiftTarget = seasonality.target;
    this.shiftProbability = seasonality.probability;
    this.double11Days = seasonality.double11Days;
    this.isSpecialDay = seasonality.isSpecialDay;
    this.specialDays = seasonality.specialDays;

    const lastDay = calendar.days - 1;
    const builtIn = options.anomalies.builtIn ?? true;
    this.activityDrop = builtIn
      ? { from: Math.max(0, lastDay - BUILT_IN_OUTAGE_DAYS + 1), to: lastDay, keep: PLANTED_DROP_KEEP }
      : { from: -1, to: -2, keep: 1 };
    const planted = options.anomalies;
    const toIndex = (day: string): number => {
      const { year, month, day: date } = parseDate(day, 'anomaly day');
      const index = getDayIndex(calendar, year, month, date);
      if (index < 0 || index > lastDay)
        throw new AppError(
          'BAD_ARGUMENT',
          `anomaly day ${day} is outside the data (${calendar.startDate} … ${calendar.endDate})`,
        );
      return index;
    };
    this.outageKeep = new Float64Array(calendar.days);
    for (let day = this.activityDrop.from; day <= this.activityDrop.to; day++)
      this.outageKeep[day] = this.activityDrop.keep;
    for (const day of planted.activityDrops ?? []) this.outageKeep[toIndex(day)] = PLANTED_DROP_KEEP;
    this.complaintSpikeDays = (planted.complaintSpikes ?? []).map(toIndex);
    this.isSlumpDay = new Uint8Array(calendar.days);
    for (const day of planted.salesSlumps ?? []) this.isSlumpDay[toIndex(day)] = 1;
    this.hasSlumps = (planted.salesSlumps ?? []).length > 0;
    this.tierBreakDays = (planted.tierBreaks ?? []).map((day) => {
      const index = toIndex(day);
      if (index < 370)
        throw new AppError(
          'BAD_ARGUMENT',
          `tier break ${day} needs 370 days of data before it (the data starts ${calendar.startDate})`,
        );
      return index;
    });
    this.memberJoins = new Int32Array(calendar.days);
    // A bestseller of the skin-care line (the most popular under ¥100, where most lines are priced) gets a bad
    // batch for a month before the end: a product problem an emotion monitor should flag.
    const faulty = this.catalogue.skus
      .filter((sku) => sku.category === '护肤' && sku.priceCents < 10_000)
      .sort((x, y) => y.popularity - x.popularity)[0];
    if (faulty === undefined) throw new Error('catalogue has no 护肤 SKU under ¥100');
    const knownFrom = Math.max(0, lastDay - BUILT_IN_BATCH_REFUND_DAYS + 1);
    this.refundSpike = builtIn
      ? {
          soldFrom: Math.max(0, knownFrom - BUILT_IN_BATCH_SOLD_DAYS),
          soldTo: Math.max(0, knownFrom - 1),
          knownFrom,
          knownTo: lastDay,
          sku: faulty,
          probability: BUILT_IN_BATCH_REFUND_PROBABILITY,
        }
      : { soldFrom: -1, soldTo: -2, knownFrom: -1, knownTo: -2, sku: faulty, probability: 0 };
  }

  // ----- ids

  private formatCustomerId(index: number): string {
    return `C${String(index + 1).padStart(this.idWidth, '0')}`;
  }

  private takeOrderId(): string {
    return `O${String(this.nextOrderNumber++).padStart(9, '0')}`;
  }

  private takeAnonymousId(): string {
    return `A${String(this.nextAnonymousNumber++).padStart(9, '0')}`;
  }

  // ----- time helpers

  /** The next customer's anchor time (first purchase, or joining for a prospect), rising with the index. */
  private takeAnchorSecond(index: number): number {
    const remaining = this.options.customers - index;
    const x = this.previousOrderStatistic;
    const next = x + (1 - x) * -Math.expm1(Math.log(this.random.nextOpenFloat()) / remaining);
    this.previousOrderStatistic = next;
    const position = getAcquisitionFraction(next, this.logGrowth) * this.calendar.days;
    const day = Math.min(this.calendar.days - 1, Math.floor(position));
    // The fraction within the day is mapped through the hourly profile, which keeps times sorted.
    return day * SECONDS_PER_DAY + getSecondOfDay(position - day);
  }

  /** A time on the same day with a fresh time of day from the hourly profile. */
  private redrawTimeOfDay(second: number): number {
    const day = Math.floor(second / SECONDS_PER_DAY);
    return day * SECONDS_PER_DAY + getSecondOfDay(this.random.nextFloat());
  }

  private clampToPeriod(second: number): number {
    return Math.min(this.calendar.endSecond, Math.max(0, Math.floor(second)));
  }

  private sampleDaysAsSeconds(minDays: number, maxDays: number): number {
    return Math.floor(this.random.sampleUniform(minDays, maxDays) * SECONDS_PER_DAY);
  }

  // ----- customers

  generateCustomer(index: number): void {
    const { random } = this;
    const customerId = this.formatCustomerId(index);
    const anchor = this.takeAnchorSecond(index);
    const isProspect = random.sampleBernoulli(PROSPECT_SHARE);
    const gender = this.genderChoice.sample(random);
    const province = sampleProvince(random);
    const city = sampleCity(random, province);
    const name = sampleName(random, gender);
    const birthYear = sampleBirthYear(random);
    const shopper: Shopper = {
      customerId,
      gender,
      primaryCategory: this.samplePrimaryCategory(gender, birthYear),
      nu: random.sampleGamma(GAMMA_GAMMA.q, GAMMA_GAMMA.gamma),
      fussiness: random.sampleGamma(2, 2),
    };
    const lambda = random.sampleGamma(BGNBD.r, this.alpha);

    const sessions: Session[] = [];
    const orderTimes: number[] = [];
    let memberSince = -1;
    let firstSeen: number;
    if (isProspect) {
      memberSince = anchor;
      firstSeen = this.clampToPeriod(anchor - random.sampleIntBetween(60, 900));
      // The visit in which they joined, then some browsing: members without an order still come to look.
      sessions.push(this.createSession('browse', firstSeen, memberSince));
      this.addBrowsingSessions(sessions, 0.5 * lambda, anchor, this.calendar.endSecond);
      this.counts.prospects++;
    } else {
      const purchase = this.simulatePurchases(anchor, lambda, random.sampleBeta(BGNBD.a, BGNBD.b));
      orderTimes.push(...purchase.times);
      const isMember = random.sampleBernoulli(
        orderTimes.length > 1 ? this.memberProbabilityRepeat : this.memberProbabilityOneOrder,
      );
      if (isMember) memberSince = this.sampleMemberSince(orderTimes);
      firstSeen = this.generateOrders(shopper, orderTimes, memberSince, sessions);
      if (memberSince >= 0 && memberSince < (orderTimes[0] ?? 0)) {
        // Joined before buying: that visit is part of their history.
        sessions.push(
          this.createSession(
            'browse',
            this.clampToPeriod(memberSince - random.sampleIntBetween(60, 900)),
            memberSince,
          ),
        );
      }
      this.addBrowsingSessions(sessions, lambda, orderTimes[0] ?? anchor, purchase.aliveUntil);
      this.counts.orderingCustomers++;
      if (memberSince >= 0) this.counts.orderingMembers++;
    }
    if (memberSince >= 0) {
      this.counts.members++;
      const joinDay = Math.floor(memberSince / SECONDS_PER_DAY);
      if (joinDay < this.memberJoins.length) this.memberJoins[joinDay] = (this.memberJoins[joinDay] ?? 0) + 1;
    }

    this.writeCustomerSessions(customerId, sessions);
    for (const session of sessions) firstSeen = Math.min(firstSeen, session.start);
    if (memberSince >= 0) firstSeen = Math.min(firstSeen, memberSince);
    this.generateAnonymousSessions(sessions);
    this.writeCustomer({
      customerId,
      name,
      gender,
      birthYear,
      province: province.name,
      city,
      isMember: memberSince >= 0,
      memberSince,
      createdAt: firstSeen,
    });
  }

  private samplePrimaryCategory(gender: Gender, birthYear: number): number {
    // Young mothers (born 1988–1998) are the baby line's core buyers.
    if (gender === 'female' && birthYear >= 1988 && birthYear <= 1998 && this.random.sampleBernoulli(0.12)) {
      return CATEGORIES.indexOf('母婴');
    }
    return sampleCategoryIndex(this.random, gender);
  }

  /**
   * BG/NBD purchase times from the first purchase (FHL 2005, assumptions i–v): exponential gaps with rate λ while
   * alive, a coin with probability p after every repeat purchase. The first purchase carries no dropout: in FHL
   * 2005 a customer with x = 0 repeats is alive with certainty (P(alive | x = 0) = 1), which is what a BG/NBD fit
   * later assumes; the variant that drops out at the first purchase is the MBG/NBD (Batislam et al. 2007).
   */
  private simulatePurchases(
    first: number,
    lambda: number,
    p: number,
  ): { times: number[]; aliveUntil: number } {
    const { random, calendar } = this;
    const times = [first];
    let week = first / SECONDS_PER_WEEK;
    const lastWeek = calendar.endSecond / SECONDS_PER_WEEK;
    let aliveUntil = calendar.endSecond;
    for (;;) {
      week += random.sampleExponential(lambda);
      if (week > lastWeek) break;
      // Keep the day, draw the hour: a Poisson process knows no clock, shoppers do.
      times.push(this.redrawTimeOfDay(Math.floor(week * SECONDS_PER_WEEK)));
      if (random.sampleBernoulli(p)) {
        aliveUntil = Math.floor(week * SECONDS_PER_WEEK);
        break;
      }
    }
    this.shiftToPeaks(times);
    if (this.hasSlumps) this.postponeFromSlumps(times);
    times.sort((x, y) => x - y);
    return { times, aliveUntil };
  }

  /**
   * Moves some purchases near a festival or member day onto it. Only times move, never counts, and never onto a
   * day this customer already buys on, so counts of purchase days (what BG/NBD fits use) stay those of the process.
   */
  private shiftToPeaks(times: number[]): void {
    const { random } = this;
    for (let i = 0; i < times.length; i++) {
      const time = times[i] ?? 0;
      const day = Math.floor(time / SECONDS_PER_DAY);
      const target = this.shiftTarget[day] ?? -1;
      if (target < 0 || !random.sampleBernoulli(this.shiftProbability[day] ?? 0)) continue;
      if (times.some((other) => Math.floor(other / SECONDS_PER_DAY) === target)) continue;
      let secondOfDay = time - day * SECONDS_PER_DAY;
      if (this.double11Days.has(target) && random.sampleBernoulli(DOUBLE_11_MIDNIGHT_SHARE)) {
        secondOfDay = random.sampleInt(7200);
      }
      times[i] = target * SECONDS_PER_DAY + secondOfDay;
      this.counts.shiftedPurchases++;
    }
  }

  /** The sales slump: most purchases of a slump day are put off by one to seven days (never past the end). */
  private postponeFromSlumps(times: number[]): void {
    const { random } = this;
    for (let i = 0; i < times.length; i++) {
      const time = times[i] ?? 0;
      if (this.isSlumpDay[Math.floor(time / SECONDS_PER_DAY)] !== 1) continue;
      if (!random.sampleBernoulli(PLANTED_SLUMP_POSTPONE)) continue;
      const later = time + random.sampleIntBetween(1, 7) * SECONDS_PER_DAY;
      if (later <= this.calendar.endSecond) times[i] = later;
    }
  }

  /**
   * When an ordering member joined: most around their first order (at checkout, for the new-member coupon, or
   * just after), some before it, and some repeat buyers only after their second order, when invited.
   */
  private sampleMemberSince(orderTimes: readonly number[]): number {
    const { random } = this;
    const first = orderTimes[0] ?? 0;
    const second = orderTimes[1];
    const draw = random.nextFloat();
    let joined: number;
    if (second !== undefined && draw < 0.3) {
      joined = second + this.sampleDaysAsSeconds(0.01, 2);
    } else if (draw < 0.45) {
      joined = first - Math.floor(random.sampleExponential(1 / 20) * SECONDS_PER_DAY) - 600;
    } else if (draw < 0.8) {
      joined = first - random.sampleIntBetween(60, 1800);
    } else {
      joined = first + this.sampleDaysAsSeconds(0.01, 3);
    }
    return this.clampToPeriod(joined);
  }

  // ----- orders

  /** Writes a customer's orders (with their unpaid/cancelled attempts and guest orders alongside); returns the first order time. */
  private generateOrders(
    shopper: Shopper,
    times: readonly number[],
    memberSince: number,
    sessions: Session[],
  ): number {
    const { random } = this;
    let firstOrder = this.calendar.endSecond;
    let orderCount = 0;
    // An abandoned or cancelled attempt before a real order: the cart as it was, never paid.
    const attemptRate = (UNPAID_SHARE + CANCELLED_SHARE) / (1 - UNPAID_SHARE - CANCELLED_SHARE);
    for (const placed of times) {
      if (random.sampleBernoulli(attemptRate)) {
        const attemptAt = this.clampToPeriod(placed - random.sampleIntBetween(120, 6 * 3600));
        const status: OrderStatus = random.sampleBernoulli(0.5) ? 'unpaid' : 'cancelled';
        this.writeUnpaidOrder(shopper.customerId, attemptAt, status, shopper);
        firstOrder = Math.min(firstOrder, attemptAt);
        orderCount++;
      }
      this.writeGmvOrder(shopper, placed, memberSince);
      this.addOrderSessions(sessions, placed);
      firstOrder = Math.min(firstOrder, placed);
      orderCount++;
    }
    this.counts.customerGmvOrders += times.length;
    // Guest orders in proportion to customer orders (8% of all orders), on the days customers buy, so they share
    // the growth and the festival peaks.
    const guests = random.samplePoisson((orderCount * GUEST_ORDER_SHARE) / (1 - GUEST_ORDER_SHARE));
    for (let i = 0; i < guests; i++) this.generateGuestOrder(random.pickOne(times));
    return firstOrder;
  }

  private generateGuestOrder(templateTime: number): void {
    const { random } = this;
    const placed = this.redrawTimeOfDay(templateTime);
    const guest: Shopper = {
      customerId: '',
      gender: 'unknown',
      primaryCategory: sampleCategoryIndex(random, 'unknown'),
      nu: random.sampleGamma(GAMMA_GAMMA.q, GAMMA_GAMMA.gamma),
      fussiness: 1,
    };
    const draw = random.nextFloat();
    const paid = draw >= UNPAID_SHARE + CANCELLED_SHARE;
    if (paid) this.writeGmvOrder(guest, placed, -1);
    else this.writeUnpaidOrder('', placed, draw < UNPAID_SHARE ? 'unpaid' : 'cancelled', guest);
    // The guest's visit: an anonymous session in which the order was placed (a purchase only if it was paid).
    const visitor = this.takeAnonymousId();
    const session = paid
      ? this.createSession('purchase', placed, placed)
      : this.createSession(
          'before-purchase',
          this.clampToPeriod(placed - random.sampleIntBetween(60, 1200)),
          placed,
        );
    if (this.writeSession('', visitor, session)) this.counts.anonymousSessions++;
    this.counts.guestOrders++;
  }

  private writeUnpaidOrder(customerId: string, placed: number, status: OrderStatus, shopper: Shopper): void {
    const value = this.sampleOrderValueCents(shopper.nu);
    const basket = buildBasket(this.random, this.catalogue, value, 0, 0, shopper);
    const orderId = this.takeOrderId();
    this.writeOrderRow(orderId, customerId, placed, -1, status, 0, 0, 0, 0, basket);
    this.writeLines(orderId, basket.lines);
    if (status === 'unpaid') this.counts.unpaidOrders++;
    else this.counts.cancelledOrders++;
    this.counts.orders++;
  }

  /** Gamma-Gamma order value (Fader & Hardie 2013): Gamma(p, ν) CNY, in cents, at least ¥9.90. */
  private sampleOrderValueCents(nu: number): number {
    return Math.max(990, Math.round(this.random.sampleGamma(GAMMA_GAMMA.p, nu) * 100));
  }

  private writeGmvOrder(shopper: Shopper, placed: number, memberSince: number): void {
    const { random, calendar } = this;
    const end = calendar.endSecond;
    const paidCents = this.sampleOrderValueCents(shopper.nu);
    const day = Math.floor(placed / SECONDS_PER_DAY);
    const onSpecialDay = this.isSpecialDay[day] === 1;
    // 包邮 above ¥59; below it, half the orders pay ¥6–10 shipping.
    const shippingCents =
      paidCents < 5900 && paidCents > 2000 && random.sampleBernoulli(0.5)
        ? random.pickOne([600, 800, 1000])
        : 0;
    const isMemberOrder = memberSince >= 0 && memberSince <= placed;
    const discountRate = random.sampleBernoulli(onSpecialDay ? 0.85 : isMemberOrder ? 0.5 : 0.3)
      ? random.sampleUniform(0.03, onSpecialDay ? 0.25 : 0.15)
      : 0;
    const basket = buildBasket(
      random,
      this.catalogue,
      paidCents - shippingCents,
      discountRate,
      shippingCents,
      shopper,
    );
    const paidAt = Math.min(end, placed + Math.max(3, Math.floor(random.sampleExponential(1 / 90))));
    const shippedAt = paidAt + this.sampleDaysAsSeconds(0.1, 1.5);
    const order: PaidOrder = {
      id: this.takeOrderId(),
      customerId: shopper.customerId,
      placed,
      shippedAt,
      confirmedAt: shippedAt + this.sampleDaysAsSeconds(2.5, 9),
      paidCents,
      basket,
    };
    // Status as the export on the last day sees it; events after the period end have not happened yet.
    const ordinary = this.generateAfterSales(order, shopper.fussiness);
    const statusOf = (sales: AfterSales): OrderStatus =>
      sales.fullRefund
        ? 'refunded'
        : end < order.shippedAt
          ? 'paid'
          : end < order.confirmedAt
            ? 'shipped'
            : 'completed';
    // Guests have no account to complain or rate with.
    if (order.customerId !== '') this.generateOpinions(order, statusOf(ordinary), ordinary);
    if (order.customerId !== '' && this.complaintSpikeDays.length > 0) this.plantComplaints(order);
    const afterSales = this.refundBadBatch(order, ordinary);
    const status = statusOf(afterSales);

    this.writeOrderRow(
      order.id,
      order.customerId,
      placed,
      paidAt,
      status,
      paidCents,
      basket.shippingCents,
      basket.discountCents,
      afterSales.refundedCents,
      basket,
    );
    this.writeLines(order.id, basket.lines);
    this.counts.orders++;
    this.counts.gmvOrders++;
    this.counts.gmvCents += paidCents;
    this.counts.refundedCents += afterSales.refundedCents;
    if (afterSales.fullRefund) this.counts.refundedOrders++;
    else if (afterSales.refundedCents > 0) this.counts.partiallyRefundedOrders++;
  }

  /**
   * Refunds of a paid order: a rejected delivery (拒收, full refund) or an ordinary refund, full or partial.
   * Writes the feedback row and the refunded amounts on the lines.
   */
  private generateAfterSales(order: PaidOrder, fussiness: number): AfterSales {
    const { random } = this;
    const end = this.calendar.endSecond;
    const { basket, paidCents } = order;
    const none: AfterSales = { refundAt: -1, refundedCents: 0, fullRefund: false };

    if (random.sampleBernoulli(Math.min(0.5, REJECTION_RATE * fussiness))) {
      const at = order.shippedAt + this.sampleDaysAsSeconds(2, 4);
      if (at > end) return none;
      const text = random.sampleBernoulli(0.4) ? random.pickOne(REJECTION_TEXTS) : '';
      this.writeFeedback(order.customerId, order.id, 'rejection', 0, at, text);
      this.counts.rejectedOrders++;
      return { refundAt: at, refundedCents: refundWholeOrder(basket, paidCents), fullRefund: true };
    }
    if (random.sampleBernoulli(Math.min(0.6, REFUND_RATE * fussiness))) {
      const partial = random.sampleBernoulli(PARTIAL_REFUND_SHARE);
      // Full refunds: some before shipping (仅退款), most as returns after delivery (退货退款).
      const at = partial
        ? order.shippedAt + this.sampleDaysAsSeconds(3, 15)
        : random.sampleBernoulli(0.35)
          ? order.placed + Math.floor((order.shippedAt - order.placed) * random.sampleUniform(0.2, 0.95))
          : order.shippedAt + this.sampleDaysAsSeconds(3, 12);
      if (at > end) return none;
      const text = random.sampleBernoulli(0.7) ? random.pickOne(REFUND_TEXTS) : '';
      this.writeFeedback(order.customerId, order.id, 'refund', 0, at, text);
      return partial
        ? { refundAt: at, refundedCents: refundPart(random, basket, paidCents), fullRefund: false }
        : { refundAt: at, refundedCents: refundWholeOrder(basket, paidCents), fullRefund: true };
    }
    return none;
  }

  /**
   * The built-in bad batch: once the fault is known, a buyer of the batch who has not had a refund asks for one of
   * the faulty line within days (not before their parcel arrived). Drawn from the anomalies' own random numbers
   * after everything else of the order, so the rest of the store is the store without it.
   */
  private refundBadBatch(order: PaidOrder, ordinary: AfterSales): AfterSales {
    const spike = this.refundSpike;
    const day = Math.floor(order.placed / SECONDS_PER_DAY);
    if (day < spike.soldFrom || day > spike.soldTo || ordinary.refundAt >= 0) return ordinary;
    const { basket, paidCents } = order;
    const line = basket.lines.findIndex((l) => l.sku === spike.sku);
    const random = this.anomalyRandom;
    if (line < 0 || !random.sampleBernoulli(spike.probability)) return ordinary;
    const at =
      Math.max(spike.knownFrom * SECONDS_PER_DAY, order.shippedAt + SECONDS_PER_DAY) +
      Math.floor(random.sampleUniform(0, spike.knownTo - spike.knownFrom + 1) * SECONDS_PER_DAY);
    if (at > this.calendar.endSecond) return ordinary;
    this.writeFeedback(order.customerId, order.id, 'refund', 0, at, random.pickOne(SPIKE_REFUND_TEXTS));
    return basket.lines.length === 1
      ? { refundAt: at, refundedCents: refundWholeOrder(basket, paidCents), fullRefund: true }
      : { refundAt: at, refundedCents: refundLine(basket, line), fullRefund: false };
  }

  /** A complaint (far likelier after a refund) and a rating of a completed order (lower after a partial refund). */
  private generateOpinions(order: PaidOrder, status: OrderStatus, afterSales: AfterSales): void {
    const { random } = this;
    const end = this.calendar.endSecond;
    const refunded = afterSales.refundAt >= 0;
    // Split so that the overall complaint rate stays COMPLAINT_RATE.
    const complaintRate = refunded
      ? COMPLAINT_RATE_AFTER_REFUND
      : COMPLAINT_RATE - REFUND_RATE * COMPLAINT_RATE_AFTER_REFUND;
    if (random.sampleBernoulli(complaintRate)) {
      const at = (refunded ? afterSales.refundAt : order.placed) + this.sampleDaysAsSeconds(0.5, 6);
      if (at <= end) {
        this.writeFeedback(order.customerId, order.id, 'complaint', 0, at, random.pickOne(COMPLAINT_TEXTS));
        this.counts.complaints++;
      }
    }
    if (status === 'completed' && random.sampleBernoulli(RATING_RATE)) {
      const at = order.confirmedAt + Math.floor(random.sampleExponential(1 / 1.5) * SECONDS_PER_DAY);
      if (at <= end) {
        const stars = (refunded ? this.ratingAfterRefundChoice : this.ratingChoice).sample(random);
        const text = random.sampleBernoulli(0.35) ? random.pickOne(RATING_TEXTS[stars - 1] ?? ['']) : '';
        this.writeFeedback(order.customerId, order.id, 'rating', stars, at, text);
        this.counts.ratings++;
      }
    }
  }

  /** The complaint spike: a customer who ordered in the ten days before a spike day may complain on it. */
  private plantComplaints(order: PaidOrder): void {
    const placedDay = Math.floor(order.placed / SECONDS_PER_DAY);
    for (const day of this.complaintSpikeDays) {
      if (placedDay < day - PLANTED_COMPLAINT_LOOKBACK_DAYS || placedDay >= day) continue;
      if (!this.random.sampleBernoulli(PLANTED_COMPLAINT_PROBABILITY)) continue;
      const at = this.redrawTimeOfDay(day * SECONDS_PER_DAY);
      if (at > this.calendar.endSecond) continue;
      this.writeFeedback(
        order.customerId,
        order.id,
        'complaint',
        0,
        at,
        this.random.pickOne(PLANTED_COMPLAINT_TEXTS),
      );
      this.counts.complaints++;
      this.plantedComplaints++;
    }
  }

  /**
   * The tier breaks: on each day, former non-member buyers join, 8% of the members so far, each with one large
   * order placed 352–360 days before and none since (see PlantedAnomalies.tierBreaks). Written after every other
   * customer, with the next ids.
   */
  generatePlantedJoiners(): void {
    const { random } = this;
    let index = this.options.customers;
    for (const day of this.tierBreakDays) {
      let members = 0;
      for (let d = 0; d <= day; d++) members += this.memberJoins[d] ?? 0;
      const joiners = Math.ceil(PLANTED_JOINER_SHARE * members);
      this.plantedJoiners.push(joiners);
      for (let n = 0; n < joiners; n++, index++) {
        const customerId = this.formatCustomerId(index);
        const gender = this.genderChoice.sample(random);
        const province = sampleProvince(random);
        const birthYear = sampleBirthYear(random);
        const shopper: Shopper = {
          customerId,
          gender,
          primaryCategory: this.samplePrimaryCategory(gender, birthYear),
          nu: GAMMA_GAMMA.p / PLANTED_JOINER_ORDER_VALUE,
          // Keeps their order whole: no refund or rejection takes them out of the top tier early.
          fussiness: 0,
        };
        const placed = this.redrawTimeOfDay((day - random.sampleIntBetween(352, 360)) * SECONDS_PER_DAY);
        const memberSince = this.redrawTimeOfDay(day * SECONDS_PER_DAY);
        const sessions: Session[] = [];
        this.writeGmvOrder(shopper, placed, memberSince);
        this.addOrderSessions(sessions, placed);
        sessions.push(this.createSession('browse', memberSince, memberSince));
        this.writeCustomerSessions(customerId, sessions);
        let createdAt = placed;
        for (const session of sessions) createdAt = Math.min(createdAt, session.start);
        this.writeCustomer({
          customerId,
          name: sampleName(random, gender),
          gender,
          birthYear,
          province: province.name,
          city: sampleCity(random, province),
          isMember: true,
          memberSince,
          createdAt,
        });
        this.counts.customerGmvOrders++;
        this.counts.orderingCustomers++;
        this.counts.orderingMembers++;
        this.counts.members++;
      }
    }
  }

  // ----- sessions

  /** The visits that led to an order: the one it was placed in, and up to two earlier looks in the days before. */
  private addOrderSessions(sessions: Session[], placed: number): void {
    const { random } = this;
    sessions.push(this.createSession('purchase', placed, placed));
    const earlier = random.nextFloat() < 0.45 ? 0 : random.nextFloat() < 0.64 ? 1 : 2;
    for (let i = 0; i < earlier; i++) {
      const start = placed - 3600 - Math.floor(random.sampleExponential(1 / 1.5) * SECONDS_PER_DAY);
      if (start >= 0) sessions.push(this.createSession('before-purchase', start, placed));
    }
  }

  /** Browsing without buying while the customer is alive, at a rate proportional to their purchase rate λ. */
  private addBrowsingSessions(sessions: Session[], lambda: number, from: number, until: number): void {
    const { random } = this;
    const weeks = Math.max(0, until - from) / SECONDS_PER_WEEK;
    const count = random.samplePoisson(this.browseSessionsPerPurchaseRate * lambda * weeks);
    for (let i = 0; i < count; i++) {
      const start = this.redrawTimeOfDay(from + random.nextFloat() * (until - from));
      sessions.push(this.createSession('browse', start, start));
      if (this.hasSlumps && this.isSlumpDay[Math.floor(start / SECONDS_PER_DAY)] === 1)
        for (let extra = 0; extra < PLANTED_SLUMP_EXTRA_BROWSING; extra++) {
          const again = this.redrawTimeOfDay(start);
          sessions.push(this.createSession('browse', again, again));
        }
    }
  }

  /**
   * One visit. Page views are geometric (mean about 6 over all sessions, a third of visits bounce after one
   * page); dwell grows with page views; a purchase session contains the order at `orderAt`.
   */
  private createSession(kind: SessionKind, start: number, orderAt: number): Session {
    const { random } = this;
    const bounceProbability =
      kind === 'browse' ? 0.4 : kind === 'anonymous' ? 0.6 : kind === 'before-purchase' ? 0.15 : 0;
    if (random.sampleBernoulli(bounceProbability)) {
      return {
        start: this.clampToPeriod(start),
        pageViews: 1,
        duration: 3 + Math.floor(random.sampleExponential(1 / 20)),
        cartAdds: 0,
        favourites: 0,
        purchases: 0,
      };
    }
    const pageViews =
      kind === 'purchase' ? 2 + random.sampleGeometric(1 / 9) : 1 + random.sampleGeometric(1 / 7);
    const duration = Math.max(5, Math.round(random.sampleGamma(1.5 * pageViews, 1 / 25)));
    const cartRate = kind === 'anonymous' ? 0.03 : kind === 'browse' ? 0.05 : 0.1;
    let cartAdds = random.samplePoisson(cartRate * pageViews);
    const favourites = random.samplePoisson(0.04 * pageViews);
    let sessionStart = start;
    let purchases = 0;
    if (kind === 'purchase') {
      cartAdds = Math.max(1, cartAdds);
      purchases = 1;
      // The order is placed late in the visit.
      sessionStart = orderAt - Math.max(30, Math.floor(duration * random.sampleUniform(0.5, 0.95)));
    }
    return { start: this.clampToPeriod(sessionStart), pageViews, duration, cartAdds, favourites, purchases };
  }

  /**
   * Anonymous visitors (30% of sessions) around the days this customer visits, so that anonymous traffic has the
   * same growth and peaks; a visitor comes back a few times under the same cookie.
   */
  private generateAnonymousSessions(known: readonly Session[]): void {
    const { random } = this;
    if (known.length === 0) return;
    let remaining = random.samplePoisson(
      (known.length * ANONYMOUS_SESSION_SHARE) / (1 - ANONYMOUS_SESSION_SHARE),
    );
    while (remaining > 0) {
      const visitor = this.takeAnonymousId();
      const template = random.pickOne(known).start;
      let start = this.clampToPeriod(
        this.redrawTimeOfDay(template + random.sampleIntBetween(-3, 3) * SECONDS_PER_DAY),
      );
      const visits = Math.min(remaining, random.sampleGeometric(0.6));
      remaining -= visits;
      for (let i = 0; i < visits && start <= this.calendar.endSecond; i++) {
        // Strictly rising start times keep the (anonymous_id, started_at) key unique.
        if (this.writeSession('', visitor, this.createSession('anonymous', start, start)))
          this.counts.anonymousSessions++;
        start += 3600 + Math.floor(random.sampleExponential(1) * SECONDS_PER_DAY);
      }
    }
  }

  /**
   * Writes a customer's sessions in time order, nudging equal start times a second apart so the key
   * (customer_id, anonymous_id, started_at) stays unique: up past a collision, then back down below the period end.
   */
  private writeCustomerSessions(customerId: string, sessions: Session[]): void {
    sessions.sort((x, y) => x.start - y.start);
    for (let i = 1; i < sessions.length; i++) {
      const session = sessions[i];
      const previous = sessions[i - 1];
      if (session !== undefined && previous !== undefined && session.start <= previous.start)
        session.start = previous.start + 1;
    }
    let ceiling = this.calendar.endSecond;
    for (let i = sessions.length - 1; i >= 0; i--) {
      const session = sessions[i];
      if (session === undefined) continue;
      if (session.start > ceiling) session.start = ceiling;
      ceiling = session.start - 1;
    }
    for (const session of sessions) this.writeSession(customerId, '', session);
  }

  // ----- rows

  private writeCustomer(customer: {
    customerId: string;
    name: string;
    gender: Gender;
    birthYear: number;
    province: string;
    city: string;
    isMember: boolean;
    memberSince: number;
    createdAt: number;
  }): void {
    const { random } = this;
    const { isMember } = customer;
    // Members fill in more of their profile: birthday for the birthday gift, phone for the membership card.
    const birthday = random.sampleBernoulli(isMember ? 0.9 : 0.5)
      ? sampleBirthday(random, customer.birthYear)
      : '';
    const phone = random.sampleBernoulli(isMember ? 1 : 0.6) ? samplePhone(random) : '';
    const email = random.sampleBernoulli(isMember ? 0.375 : 0.1) ? sampleEmail(random) : '';
    const emailConsent = email !== '' && random.sampleBernoulli(isMember ? 0.8 : 0.2);
    const smsConsent = phone !== '' && random.sampleBernoulli(isMember ? 0.7 : 0.1);
    const attributes = isMember && random.sampleBernoulli(0.12) ? this.pickJoinChannelAttribute() : '';
    this.writers.customers.append(
      `${customer.customerId},${customer.name},${customer.gender},${birthday},${customer.province},${customer.city},${phone},${email},${emailConsent},${smsConsent},${
        customer.memberSince >= 0 ? formatTimestamp(this.calendar, customer.memberSince) : ''
      },${formatTimestamp(this.calendar, customer.createdAt)},${attributes}\n`,
    );
  }

  private pickJoinChannelAttribute(): string {
    return this.attributeTexts[this.joinChannelChoice.sampleIndex(this.random)] ?? '';
  }

  private writeOrderRow(
    orderId: string,
    customerId: string,
    placed: number,
    paidAt: number,
    status: OrderStatus,
    paidCents: number,
    shippingCents: number,
    discountCents: number,
    refundedCents: number,
    basket: Basket,
  ): void {
    const itemCount = basket.lines.reduce((sum, line) => sum + line.quantity, 0);
    const channel = this.channelChoice.sample(this.random);
    this.writers.orders.append(
      `${orderId},${customerId},${formatTimestamp(this.calendar, placed)},${paidAt >= 0 ? formatTimestamp(this.calendar, paidAt) : ''},${status},${formatCents(
        paidCents,
      )},${formatCents(shippingCents)},${formatCents(discountCents)},${formatCents(refundedCents)},${itemCount},${channel},demo,\n`,
    );
  }

  private writeLines(orderId: string, lines: readonly Line[]): void {
    const writer = this.writers['order-lines'];
    for (const line of lines) {
      writer.append(
        `${orderId},${line.sku.code},${line.sku.name},${line.sku.category},${line.quantity},${formatCents(line.unitCents)},${formatCents(
          line.refundedCents,
        )}\n`,
      );
    }
  }

  /** Writes a session; false when a planted outage lost it. */
  private writeSession(customerId: string, anonymousId: string, session: Session): boolean {
    // A planted outage loses every kind of visit from the data, purchases' visits included.
    const day = Math.floor(session.start / SECONDS_PER_DAY);
    const outage = this.outageKeep[day] ?? 0;
    const random =
      day >= this.activityDrop.from && day <= this.activityDrop.to ? this.anomalyRandom : this.random;
    if (outage > 0 && !random.sampleBernoulli(outage)) return false;
    this.writers.sessions.append(
      `${customerId},${anonymousId},${formatTimestamp(this.calendar, session.start)},${session.pageViews},${session.duration},${
        session.pageViews === 1
      },${session.cartAdds},${session.favourites},${session.purchases}\n`,
    );
    return true;
  }

  private writeFeedback(
    customerId: string,
    orderId: string,
    kind: FeedbackKind,
    rating: number,
    at: number,
    text: string,
  ): void {
    this.writers.feedback.append(
      `${customerId},${orderId},${kind},${rating > 0 ? rating : ''},${formatTimestamp(this.calendar, at)},${quoteCsv(text)}\n`,
    );
  }

  // ----- truth

  private describeBuiltInAnomalies(): GeneratorAnomaly[] {
    const { calendar } = this;
    if (this.activityDrop.from < 0) return [];
    return [
      {
        kind: 'activity_drop',
        from: formatDay(calendar, this.activityDrop.from),
        to: formatDay(calendar, this.activityDrop.to),
        description: `A site outage: ${Math.round((1 - this.activityDrop.keep) * 100)}% of the sessions (every kind) are lost from the data.`,
        keep_probability: this.activityDrop.keep,
      },
      {
        kind: 'refund_spike',
        from: formatDay(calendar, this.refundSpike.knownFrom),
        to: formatDay(calendar, this.refundSpike.knownTo),
        description: `A bad batch of ${this.refundSpike.sku.name}: once the fault is known, its buyers of the month before ask for refunds together.`,
        sku: this.refundSpike.sku.code,
        sold_from: formatDay(calendar, this.refundSpike.soldFrom),
        sold_to: formatDay(calendar, this.refundSpike.soldTo),
        refund_probability: this.refundSpike.probability,
      },
    ];
  }

  private describePlantedAnomalies(): GeneratorAnomaly[] {
    const planted = this.options.anomalies;
    const on = (day: string) => ({ from: day, to: day, planted: true });
    return [
      ...(planted.activityDrops ?? []).map((day): GeneratorAnomaly => ({
        kind: 'activity_drop',
        ...on(day),
        description: 'Site outage: most sessions of the day are lost.',
        keep_probability: PLANTED_DROP_KEEP,
      })),
      ...(planted.complaintSpikes ?? []).map((day): GeneratorAnomaly => ({
        kind: 'complaint_spike',
        ...on(day),
        description: `Courier failure: customers who ordered in the ${PLANTED_COMPLAINT_LOOKBACK_DAYS} days before complain on the day.`,
      })),
      ...(planted.salesSlumps ?? []).map((day): GeneratorAnomaly => ({
        kind: 'sales_slump',
        ...on(day),
        description:
          'Activity up while sales fall: browsing is six times the usual and most purchases are put off.',
      })),
      ...(planted.tierBreaks ?? []).map((day, index): GeneratorAnomaly => ({
        kind: 'tier_break',
        ...on(day),
        description:
          'Former non-member buyers with one large order about a year old join: the top tier fills with members contributing nothing recent.',
        joiners: this.plantedJoiners[index] ?? 0,
      })),
    ];
  }

  describeTruth(): GeneratorTruth {
    const { counts, options, calendar } = this;
    const customerCount = options.customers + this.plantedJoiners.reduce((sum, n) => sum + n, 0);
    const provinceWeights = Object.fromEntries(
      PROVINCES.map((province) => [province.name, province.shopperWeight / 1000]),
    );
    return {
      generator: 'huiyuan-demo',
      version: 1,
      seed: options.seed,
      options,
      start: calendar.startDate,
      end: calendar.endDate,
      timezone: 'Asia/Shanghai',
      utc_offset: '+08:00',
      purchase: {
        model: 'bgnbd',
        unit: 'weeks',
        r: BGNBD.r,
        alpha: roundTo(this.alpha, 6),
        a: BGNBD.a,
        b: BGNBD.b,
        dropout_after_first_purchase: false,
        acquisition_growth_per_year: ACQUISITION_GROWTH_PER_YEAR,
        expected_orders_per_ordering_customer: roundTo(this.expectedOrders, 6),
      },
      spend: {
        model: 'gamma-gamma',
        currency: 'CNY',
        p: GAMMA_GAMMA.p,
        q: GAMMA_GAMMA.q,
        gamma: GAMMA_GAMMA.gamma,
        expected_order_value: (GAMMA_GAMMA.p * GAMMA_GAMMA.gamma) / (GAMMA_GAMMA.q - 1),
      },
      seasonality: {
        peaks: PEAKS.map((peak) => ({ ...peak })),
        member_day: { ...MEMBER_DAY },
        shift_probability: {
          ...Object.fromEntries(PEAKS.map((peak) => [peak.name, peak.shift_probability])),
          会员日: MEMBER_DAY.shift_probability,
        },
        special_days: this.specialDays,
      },
      targets: {
        member_share: MEMBER_SHARE,
        prospect_share: PROSPECT_SHARE,
        member_probability_one_order: roundTo(this.memberProbabilityOneOrder, 6),
        member_probability_repeat_buyer: roundTo(this.memberProbabilityRepeat, 6),
        guest_order_share: GUEST_ORDER_SHARE,
        unpaid_order_share: UNPAID_SHARE,
        cancelled_order_share: CANCELLED_SHARE,
        refund_rate: REFUND_RATE,
        partial_refund_share: PARTIAL_REFUND_SHARE,
        rejection_rate: REJECTION_RATE,
        complaint_rate: COMPLAINT_RATE,
        rating_rate: RATING_RATE,
        anonymous_session_share: ANONYMOUS_SESSION_SHARE,
        gender: { ...GENDER_WEIGHTS },
        channels: { ...CHANNEL_WEIGHTS },
        province_weights: provinceWeights,
      },
      anomalies: [...this.describeBuiltInAnomalies(), ...this.describePlantedAnomalies()],
      counts: {
        customers: customerCount,
        members: counts.members,
        prospects: counts.prospects,
        ordering_customers: counts.orderingCustomers,
        ordering_members: counts.orderingMembers,
        orders: counts.orders,
        gmv_orders: counts.gmvOrders,
        customer_gmv_orders: counts.customerGmvOrders,
        guest_orders: counts.guestOrders,
        unpaid_orders: counts.unpaidOrders,
        cancelled_orders: counts.cancelledOrders,
        refunded_orders: counts.refundedOrders,
        partially_refunded_orders: counts.partiallyRefundedOrders,
        rejected_orders: counts.rejectedOrders,
        shifted_purchases: counts.shiftedPurchases,
        order_lines: this.writers['order-lines'].rows,
        sessions: this.writers.sessions.rows,
        anonymous_sessions: counts.anonymousSessions,
        feedback: this.writers.feedback.rows,
        complaints: counts.complaints,
        ratings: counts.ratings,
        gmv: formatCents(counts.gmvCents),
        refunded: formatCents(counts.refundedCents),
        mean_orders_per_ordering_customer:
          counts.orderingCustomers > 0 ? roundTo(counts.customerGmvOrders / counts.orderingCustomers, 4) : 0,
        average_order_value: counts.gmvOrders > 0 ? roundTo(counts.gmvCents / 100 / counts.gmvOrders, 2) : 0,
      },
    };
  }
}

function roundTo(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
