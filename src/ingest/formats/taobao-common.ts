/**
 * What the Taobao/Tmall exports share (订单报表, 宝贝报表, 退款报表, 千牛's 订单表 + 子订单表): their
 * text quirks, the order status table, and the SQL that turns their rows into orders, customers
 * and order lines. The formats themselves (taobao-orders.ts, taobao-items.ts,
 * taobao-refunds.ts) only say how to recognise a file and which entities it feeds.
 *
 * Columns are read by header name, never by position: the layouts of 2017 (46 columns), 2018
 * (54), 2019+ (61) and 千牛 (renamed columns, sellers pick which) only ever inserted, appended or
 * renamed columns. `withColumns` gives every name any layout uses, empty when the file lacks it.
 */
import { PROVINCES, normalizeProvince } from '../../domain/regions.js';
import type { OrderStatus } from '../../store/entities.js';
import { ROW_COLUMN, SHEET_COLUMN } from '../read-xlsx.js';
import { column, excelRoundedNumber, type FormatCheck, withOptionalColumns } from './store-format.js';

/** Every header name the Taobao formats read, in any layout. */
const TAOBAO_COLUMNS = [
  SHEET_COLUMN,
  ROW_COLUMN,
  // 订单报表 (2017/2018/2019+) and 千牛 订单表
  '订单编号',
  '买家会员名',
  '买家实际支付金额',
  '买家实付金额',
  '买家应付邮费',
  '订单状态',
  '订单关闭原因',
  '收货人姓名',
  '收货地址',
  '联系电话',
  '联系手机',
  '订单创建时间',
  '订单付款时间',
  '宝贝总数量',
  '店铺名称',
  '是否手机订单',
  '退款金额',
  // 宝贝报表 and 千牛 子订单表
  '标题',
  '价格',
  '购买数量',
  '外部系统编号',
  '商品属性',
  '商家编码',
  '子订单编号',
  '主订单编号',
  '商品标题',
  '商品价格',
  '商品ID',
  '退款状态',
  // 退款报表
  '退款编号',
  '买家会员名称',
  '买家退款金额',
  '退款的申请时间',
  '买家退款原因',
  '买家退款说明',
] as const;

export type TaobaoColumn = (typeof TAOBAO_COLUMNS)[number];

/** A header name of the Taobao layouts as a SQL identifier. */
export const col = (name: TaobaoColumn): string => column(name);

/**
 * `staged` with every Taobao column: those the file lacks read as empty (UNION BY NAME fills
 * them with NULL), so one SELECT serves every layout.
 */
export function withColumns(staged: string): string {
  return withOptionalColumns(staged, TAOBAO_COLUMNS);
}

/** Whether the file has the column at all (not just empty cells), as a SQL boolean. */
export function hasColumn(staged: string, name: string): string {
  return `coalesce((SELECT list_contains(json_keys(to_json(s)), '${name.replaceAll("'", "''")}') FROM ${staged} s LIMIT 1), false)`;
}

/** The line to name in messages: a workbook row's number in its sheet, else the file line. */
export const sourceLine = `coalesce(TRY_CAST(${column(ROW_COLUMN)} AS BIGINT), line)`;

/**
 * Rewrites Excel's text formulas `="…"` (how the legacy exports keep 16–19 digit order numbers
 * from becoming 3.5E+16) to plain quoted fields, so the CSV reader sees ordinary fields:
 * `="3515313147329357912",` → `"3515313147329357912",`, `=""` → `""`.
 */
export function unwrapExcelFormulas(line: string): string {
  return line.replace(/(^|,)="([^"]*)"(?=,|$)/g, '$1"$2"');
}

/**
 * The ids and phones a seller's Excel may have turned into `3.5E+16` (when the file was opened
 * and saved again without the ="…" guard): rejected per entity, see excelRoundedNumber.
 */
export const EXCEL_ROUNDED_CHECKS = {
  orders: [excelRoundedNumber('id')],
  customers: [excelRoundedNumber('phone')],
  orderLines: [excelRoundedNumber('order_id')],
  feedback: [excelRoundedNumber('order_id')],
} as const satisfies Record<string, readonly FormatCheck[]>;

/** A text cell with what Excel and Taobao put around it removed: `="…"`, a leading ' or tab. */
export const excelText = (expr: string): string =>
  `NULLIF(ltrim(regexp_replace(${expr}, '^="(.*)"$', '\\1'), '''' || chr(9) || ' '), '')`;

/** Money as written, without `元`, currency signs, thousands separators or spaces. */
export const money = (expr: string): string => `NULLIF(regexp_replace(${expr}, '[元¥￥,\\s]', '', 'g'), '')`;

const TIMESTAMP_FORMATS = [
  '%Y-%m-%d %H:%M:%S',
  '%Y/%m/%d %H:%M:%S',
  '%Y/%m/%d %H:%M',
  '%Y-%m-%d %H:%M',
  '%Y/%m/%d',
  '%Y-%m-%d',
];

/**
 * A timestamp as `YYYY-MM-DD HH:MM:SS`: Taobao writes `yyyy-MM-dd HH:mm:ss`, Excel re-saves it
 * as `yyyy/M/d H:mm`. Anything else is passed on as written, so the check rejects it by value.
 */
export const timestamp = (expr: string): string =>
  `coalesce(strftime(try_strptime(${expr}, [${TIMESTAMP_FORMATS.map((f) => `'${f}'`).join(', ')}]), '%Y-%m-%d %H:%M:%S'), ${expr})`;

/** A phone without the leading apostrophe Excel needs, spaces, or a +86/86- country prefix. */
export const phone = (expr: string): string =>
  `NULLIF(regexp_replace(regexp_replace(${excelText(expr)}, '\\s', '', 'g'), '^\\+?86-?(1[0-9*]{10})$', '\\1'), '')`;

/** A buyer nickname, or NULL when absent or masked (`t**1`, `*`). */
export const buyerNick = (expr: string): string =>
  `CASE WHEN ${excelText(expr)} NOT LIKE '%*%' THEN ${excelText(expr)} END`;

/** 订单状态 with full-width commas made half-width and spaces (also ideographic ones) removed. */
export const statusText = (expr: string): string =>
  `NULLIF(regexp_replace(replace(${expr}, '，', ','), '[\\s\\x{3000}]', '', 'g'), '')`;

/**
 * 订单状态 (after statusText) → status. 交易关闭 is decided by 订单关闭原因 (see mapStatus). The
 * display texts follow the TOP trade status enum (kycrm OrderImportUtil.getdeal).
 */
export const TAOBAO_ORDER_STATUSES: readonly { readonly text: string; readonly status: OrderStatus }[] = [
  { text: '等待买家付款', status: 'unpaid' }, // WAIT_BUYER_PAY
  { text: '外卡支付付款确认中', status: 'unpaid' }, // PAY_PENDING: payment not confirmed yet
  { text: '余额宝0元购合约中', status: 'unpaid' }, // WAIT_PRE_AUTH_CONFIRM: funds frozen, not paid
  { text: '买家已付款,等待卖家发货', status: 'paid' }, // WAIT_SELLER_SEND_GOODS
  { text: '等待卖家发货', status: 'paid' },
  { text: '卖家部分发货', status: 'shipped' }, // SELLER_CONSIGNED_PART
  { text: '卖家已发货,等待买家确认', status: 'shipped' }, // WAIT_BUYER_CONFIRM_GOODS
  { text: '等待买家确认收货', status: 'shipped' },
  { text: '买家已签收', status: 'completed' }, // TRADE_BUYER_SIGNED
  { text: '交易成功', status: 'completed' }, // TRADE_FINISHED
  { text: '交易被淘宝关闭', status: 'cancelled' }, // TRADE_CLOSED_BY_TAOBAO: closed before payment
  { text: '没有创建外部交易', status: 'cancelled' }, // TRADE_NO_CREATE_PAY
  { text: '未创建支付宝交易', status: 'cancelled' },
  { text: '没有创建支付宝交易', status: 'cancelled' },
];

/** The status text of a closed trade (TRADE_CLOSED), before or after payment. */
export const CLOSED_STATUS_TEXT = '交易关闭';
/** 订单关闭原因 of a trade closed before payment. */
export const UNPAID_CLOSE_REASONS = [
  '买家未付款',
  '交易被淘宝关闭',
  '未创建支付宝交易',
  '没有创建支付宝交易',
];

const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/**
 * SQL for the canonical status of a Taobao status text (already through statusText):
 * - the texts of TAOBAO_ORDER_STATUSES map as listed;
 * - 交易关闭 is refunded when the close reason mentions 退款, cancelled when it is one of
 *   UNPAID_CLOSE_REASONS, and otherwise refunded when the order was paid (付款时间 set),
 *   cancelled when not;
 * - any other text is passed on as written, so the status check rejects it naming the value.
 */
export function mapStatus(text: string, closeReason: string, paidAt: string): string {
  const cases = TAOBAO_ORDER_STATUSES.map((s) => `WHEN ${quote(s.text)} THEN '${s.status}'`).join(' ');
  return `CASE ${text} ${cases}
      WHEN ${quote(CLOSED_STATUS_TEXT)} THEN CASE
        WHEN ${closeReason} LIKE '%退款%' THEN 'refunded'
        WHEN list_contains([${UNPAID_CLOSE_REASONS.map(quote).join(', ')}], ${closeReason}) THEN 'cancelled'
        WHEN ${paidAt} IS NOT NULL THEN 'refunded' ELSE 'cancelled' END
      ELSE ${text} END`;
}

/** Orders merged from item statuses: the furthest open status wins, then refunded, then cancelled. */
const statusRank = (status: string): string =>
  `CASE ${status} WHEN 'unpaid' THEN 1 WHEN 'paid' THEN 2 WHEN 'shipped' THEN 3 WHEN 'completed' THEN 4
    WHEN 'refunded' THEN -1 WHEN 'cancelled' THEN -2 ELSE 5 END`;

/**
 * Every written form of each province that can start an address (广东省, 广东, 广西壮族自治区,
 * 北京市, 香港特别行政区, …), longest first, each checked against normalizeProvince.
 */
const PROVINCE_PREFIXES: readonly { readonly text: string; readonly province: string }[] = (() => {
  const prefixes = new Map<string, string>();
  for (const province of PROVINCES) {
    const forms = [
      province.fullName,
      ...['', '省', '市', '自治区', '特别行政区'].map((suffix) => province.name + suffix),
    ];
    for (const form of forms)
      if (normalizeProvince(form) === province.name) prefixes.set(form, province.name);
  }
  return [...prefixes]
    .map(([text, province]) => ({ text, province }))
    .sort((a, b) => b.text.length - a.text.length || a.text.localeCompare(b.text));
})();

/** Provinces that are one city (直辖市, 特别行政区): their city is the province itself. */
const SINGLE_CITY_PROVINCES = PROVINCES.filter((p) => p.cities.length === 1 && p.cities[0] === p.name).map(
  (p) => p.name,
);

const provincePrefixList = `[${PROVINCE_PREFIXES.map((p) => `{'k': ${quote(p.text)}, 'v': ${quote(p.province)}}`).join(', ')}]`;

/**
 * 千牛 writes the receiver into 收货地址 as `姓名，86-手机号，地址`; groups: name, mobile, address.
 */
const RECEIVER_IN_ADDRESS = `'^\\s*([^，,]+?)\\s*[，,]\\s*(?:\\+?86-)?(1[0-9*]{10})\\s*[，,]\\s*(.+)$'`;

/**
 * Each sheet's role: `items` (a 子订单表: it has 子订单编号), `orders` (it has 订单编号), or
 * `other`. A CSV file is one unnamed sheet.
 */
function withRoles(staged: string): string {
  const rows = withColumns(staged);
  const sheet = column(SHEET_COLUMN);
  return `(SELECT w.*, r.role AS sheet_role FROM ${rows} w JOIN (
      SELECT ${sheet} AS sheet, CASE WHEN count(${col('子订单编号')}) > 0 THEN 'items'
        WHEN count(${col('订单编号')}) > 0 THEN 'orders' ELSE 'other' END AS role
      FROM ${rows} GROUP BY ${sheet}) r ON w.${sheet} IS NOT DISTINCT FROM r.sheet)`;
}

/** Rows of sheets that are neither orders nor items, by sheet (for `skipped`). */
export function otherSheetRows(staged: string): string {
  return `SELECT 'rows of sheet ' || ${column(SHEET_COLUMN)} || ', which has neither 订单编号 nor 子订单编号' AS reason,
      count(*)::INTEGER AS rows FROM ${withRoles(staged)} WHERE sheet_role = 'other' GROUP BY ${column(SHEET_COLUMN)}`;
}

/**
 * Item rows (宝贝报表, or a 千牛 子订单表) as: line, order_id, code, alt_code, title, attrs,
 * quantity, unit_price, refunded, status (canonical status of the item's 订单状态).
 */
function itemFacts(rows: string, where: string): string {
  const refundStatus = col('退款状态');
  const itemStatus = mapStatus(
    statusText(col('订单状态')),
    `CASE WHEN ${refundStatus} = '退款成功' THEN '退款' END`,
    timestamp(col('订单付款时间')),
  );
  return `(SELECT ${sourceLine} AS line,
      ${excelText(`coalesce(${col('主订单编号')}, ${col('订单编号')})`)} AS order_id,
      ${excelText(col('商家编码'))} AS code,
      ${excelText(`coalesce(${col('外部系统编号')}, ${col('商品ID')})`)} AS alt_code,
      coalesce(${col('商品标题')}, ${col('标题')}) AS title,
      NULLIF(trim(regexp_replace(${col('商品属性')}, '^\\s*商品规格\\s*[:：]\\s*', '')), '') AS attrs,
      ${col('购买数量')} AS quantity,
      ${money(`coalesce(${col('商品价格')}, ${col('价格')})`)} AS unit_price,
      CASE WHEN ${refundStatus} IS NULL OR ${refundStatus} = '退款成功' THEN ${money(col('退款金额'))} ELSE '0.00' END AS refunded,
      ${itemStatus} AS status
    FROM ${rows} WHERE ${where})`;
}

/**
 * Order lines from item rows. sku is 商家编码, else 外部系统编号 (商品ID in 千牛), else the title
 * with its attributes; when a sku repeats within an order (商家编码 is often per product, not
 * per variant) the attributes are appended, and lines still alike after the first get `#2`,
 * `#3` in file order, so every line keeps its own row.
 */
function orderLinesSelect(items: string, withRefunds: boolean): string {
  return `SELECT line, order_id,
      CASE WHEN row_number() OVER (PARTITION BY order_id, sku1 ORDER BY line) > 1
        THEN sku1 || '#' || row_number() OVER (PARTITION BY order_id, sku1 ORDER BY line) ELSE sku1 END AS sku,
      title AS name, quantity, unit_price${withRefunds ? ', refunded AS refunded_amount' : ''}
    FROM (SELECT *, CASE WHEN count(*) OVER (PARTITION BY order_id, base) > 1 AND attrs IS NOT NULL AND base <> title_attrs
        THEN base || ' ' || attrs ELSE base END AS sku1
      FROM (SELECT *, title || coalesce(' ' || attrs, '') AS title_attrs,
          coalesce(code, alt_code, title || coalesce(' ' || attrs, '')) AS base FROM ${items}))`;
}

export const ORDER_LINE_COLUMNS = ['order_id', 'sku', 'name', 'quantity', 'unit_price'] as const;

/** 宝贝报表: every row is an item. */
export function detailLinesSelect(staged: string): string {
  return orderLinesSelect(itemFacts(withColumns(staged), 'true'), false);
}

/** 千牛 子订单表 rows as order lines, with their refunds. */
export function subOrderLinesSelect(staged: string): string {
  return orderLinesSelect(itemFacts(withRoles(staged), `sheet_role = 'items'`), true);
}

/**
 * Order rows (订单报表 or 千牛 订单表) with everything the orders and customers need: line, id,
 * customer_id, receiver, mobile, province, city, placed_at, paid_at, status, paid, shipping,
 * refunded, item_count, mobile_flag, shop. A 千牛 workbook's 子订单表 fills in what its 订单表
 * lacks: the status (from the items' statuses), the item count and the refunds.
 */
function orderFacts(staged: string): string {
  const rows = withRoles(staged);
  const address = col('收货地址');
  const receiverParts = (group: number): string =>
    `NULLIF(regexp_extract(${address}, ${RECEIVER_IN_ADDRESS}, ${group}), '')`;
  const base = `SELECT ${sourceLine} AS line,
      ${excelText(col('订单编号'))} AS id,
      ${buyerNick(col('买家会员名'))} AS buyer,
      coalesce(${excelText(col('收货人姓名'))}, ${receiverParts(1)}) AS receiver,
      coalesce(${phone(col('联系手机'))}, ${phone(receiverParts(2))}) AS mobile,
      ${phone(col('联系电话'))} AS telephone,
      regexp_replace(coalesce(${receiverParts(3)}, ${address}, ''), '^\\s*中国\\s*', '') AS address,
      ${statusText(col('订单状态'))} AS status_text,
      ${col('订单关闭原因')} AS close_reason,
      ${timestamp(col('订单创建时间'))} AS placed_at,
      ${timestamp(col('订单付款时间'))} AS paid_at,
      ${money(`coalesce(${col('买家实际支付金额')}, ${col('买家实付金额')})`)} AS paid,
      ${money(col('买家应付邮费'))} AS shipping,
      ${money(col('退款金额'))} AS refunded_as_written,
      ${col('宝贝总数量')} AS item_count_as_written,
      ${col('是否手机订单')} AS mobile_flag,
      ${col('店铺名称')} AS shop
    FROM ${rows} WHERE sheet_role = 'orders'`;
  const withCustomer = `SELECT *,
      coalesce(buyer, CASE WHEN receiver IS NOT NULL OR coalesce(mobile, telephone) IS NOT NULL
        THEN 'derived:' || left(md5(coalesce(receiver, '') || '|' || coalesce(mobile, telephone, '')), 16) END) AS customer_id,
      list_filter(${provincePrefixList}, p -> starts_with(address, p.k))[1] AS province_prefix
    FROM (${base})`;
  const withPlace = `SELECT *, province_prefix.v AS province,
      CASE WHEN province_prefix IS NULL THEN NULL
        WHEN list_contains([${SINGLE_CITY_PROVINCES.map(quote).join(', ')}], province_prefix.v) THEN province_prefix.v
        WHEN regexp_matches(after_province, '^\\s') THEN NULLIF(regexp_replace(regexp_extract(after_province, '^\\s*(\\S+)', 1), '市$', ''), '')
        ELSE NULLIF(regexp_replace(regexp_extract(after_province, '^(.+?(市|自治州|地区|盟))', 1), '市$', ''), '') END AS city
    FROM (SELECT *, substr(address, length(province_prefix.k) + 1) AS after_province FROM (${withCustomer}))`;
  const items = `SELECT order_id, sum(TRY_CAST(quantity AS BIGINT)) AS quantity,
      sum(TRY_CAST(refunded AS DECIMAL(18,2))) AS refunded, arg_max(status, ${statusRank('status')}) AS status
    FROM ${itemFacts(rows, `sheet_role = 'items'`)} GROUP BY order_id`;
  return `(SELECT o.*,
      coalesce(${mapStatus('o.status_text', 'o.close_reason', 'o.paid_at')}, i.status) AS status,
      coalesce(o.refunded_as_written, i.refunded::VARCHAR) AS refunded,
      coalesce(o.item_count_as_written, i.quantity::VARCHAR) AS item_count
    FROM (${withPlace}) o LEFT JOIN (${items}) i ON i.order_id = o.id)`;
}

export const ORDER_COLUMNS = [
  'id',
  'customer_id',
  'placed_at',
  'paid_at',
  'status',
  'paid_amount',
  'shipping',
  'refunded_amount',
  'item_count',
  'channel',
  'source',
] as const;

/**
 * Orders: paid_amount is 买家实际支付金额 (买家实付金额), 0 for unpaid and cancelled orders;
 * channel is mobile for 手机订单, pc otherwise (none when the file has no 是否手机订单); source
 * is tmall for a Tmall shop name (天猫, 旗舰店, 专卖店, 专营店: names Taobao C-shops may not use),
 * else taobao.
 */
export function ordersSelect(staged: string): string {
  return `SELECT line, id, customer_id, placed_at, paid_at, status,
      CASE WHEN status IN ('unpaid', 'cancelled') THEN '0.00' ELSE paid END AS paid_amount,
      shipping, refunded AS refunded_amount, item_count,
      CASE WHEN mobile_flag IN ('手机订单', '是') THEN 'mobile' WHEN ${hasColumn(staged, '是否手机订单')} THEN 'pc' END AS channel,
      CASE WHEN regexp_matches(coalesce(shop, ''), '天猫|旗舰店|专卖店|专营店') THEN 'tmall' ELSE 'taobao' END AS source
    FROM ${orderFacts(staged)}`;
}

export const CUSTOMER_COLUMNS = ['id', 'name', 'phone', 'province', 'city'] as const;

/**
 * Customers: one per buyer of the file, with the receiver, mobile and place of their latest
 * order (all from that one order).
 */
export function customersSelect(staged: string): string {
  return `SELECT line, customer_id AS id, latest.name AS name, latest.phone AS phone,
      latest.province AS province, latest.city AS city
    FROM (SELECT customer_id, min(line) AS line,
        arg_max({'name': receiver, 'phone': mobile, 'province': province, 'city': city},
          coalesce(placed_at, '') || '#' || lpad(line::VARCHAR, 12, '0')) AS latest
      FROM ${orderFacts(staged)} WHERE customer_id IS NOT NULL GROUP BY customer_id)`;
}
