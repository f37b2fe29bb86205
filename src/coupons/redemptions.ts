/**
 * Redemption (核销) of issued coupons, read from the orders: an issued code is redeemed by the
 * first paid order that carries it (orders.coupon_code, e.g. Shopify's Discount Code; several
 * codes in one cell, comma-separated, are each read) placed at or after the code was issued.
 * Codes match without regard to case, as Shopify matches them. A code counts once, whoever
 * used it (a forwarded code is still the rule's coupon redeemed).
 *
 * Face value is the code's value; order value is that order's paid amount, net of refunds.
 */
import { GMV_STATUSES } from '../store/entities.js';
import { ParamList, type Query } from '../store/sql.js';
import type { Store } from '../store/store.js';

export interface RedemptionFilter {
  /** Only codes this rule issued. */
  readonly ruleId?: string;
  /** Orders placed on these store days, inclusive (YYYY-MM-DD). */
  readonly from?: string;
  readonly to?: string;
}

/**
 * One row per redeemed code: (code, pool, rule_id, enrollment_id, customer_id, issued_at,
 * order_id, order_customer_id, placed_at, face_value, order_value). Uplift and reports join it.
 */
export function buildRedemptionsQuery(filter: RedemptionFilter = {}): Query {
  const params = new ParamList();
  const rule = params.add(filter.ruleId ?? null);
  const from = params.add(filter.from ?? null);
  const to = params.add(filter.to ?? null);
  const statuses = params.add(GMV_STATUSES.join(','));
  return {
    sql: `WITH used AS (
        SELECT o.id AS order_id, o.customer_id AS order_customer_id, o.placed_at,
          o.paid_amount - coalesce(o.refunded_amount, 0) AS order_value, upper(trim(u.code)) AS code
        FROM orders o, unnest(string_split(o.coupon_code, ',')) AS u(code)
        WHERE o.coupon_code IS NOT NULL AND o.paid_amount > 0
          AND list_contains(string_split(${statuses}, ','), o.status)
      )
      SELECT c.code, c.pool, c.rule_id, c.enrollment_id, c.customer_id, c.issued_at::VARCHAR AS issued_at,
        arg_min(u.order_id, u.placed_at) AS order_id, arg_min(u.order_customer_id, u.placed_at) AS order_customer_id,
        min(u.placed_at)::VARCHAR AS placed_at, c.value AS face_value, arg_min(u.order_value, u.placed_at) AS order_value
      FROM coupon_codes c JOIN used u ON u.code = upper(c.code) AND u.placed_at >= c.issued_at
      WHERE c.enrollment_id IS NOT NULL AND (${rule}::VARCHAR IS NULL OR c.rule_id = ${rule})
      GROUP BY ALL
      HAVING (${from}::DATE IS NULL OR min(u.placed_at)::DATE >= ${from}::DATE)
        AND (${to}::DATE IS NULL OR min(u.placed_at)::DATE <= ${to}::DATE)`,
    params: params.values,
  };
}

export interface RuleRedemptions {
  readonly rule_id: string;
  readonly pool: string;
  /** Codes the rule issued (in all, not only in the period). */
  readonly issued: number;
  readonly redemptions: number;
  /** redemptions / issued, or null when nothing was issued. */
  readonly redemption_rate: number | null;
  readonly face_value: string;
  readonly order_value: string;
  readonly [key: string]: string | number | null;
}

export interface Redemptions {
  readonly redemptions: number;
  /** Sums as exact decimal text. */
  readonly face_value: string;
  readonly order_value: string;
  readonly rules: readonly RuleRedemptions[];
}

/**
 * Counts the redemptions of issued codes and their value, in all and per rule (and pool).
 *
 * @example await getRedemptions(store, { ruleId: 'winback', from: '2026-10-01', to: '2026-10-31' })
 */
export async function getRedemptions(store: Store, filter: RedemptionFilter = {}): Promise<Redemptions> {
  const redeemed = buildRedemptionsQuery(filter);
  const params = new ParamList();
  const inner = params.embed(redeemed);
  const rule = params.add(filter.ruleId ?? null);
  const rules = await store.query<RuleRedemptions>({
    sql: `WITH r AS (${inner}),
      issued AS (
        SELECT rule_id, pool, count(*)::INTEGER AS issued FROM coupon_codes
        WHERE enrollment_id IS NOT NULL AND (${rule}::VARCHAR IS NULL OR rule_id = ${rule}) GROUP BY ALL
      )
      SELECT i.rule_id, i.pool, i.issued, count(r.code)::INTEGER AS redemptions,
        CASE WHEN i.issued > 0 THEN count(r.code) / i.issued END AS redemption_rate,
        coalesce(sum(r.face_value), 0)::DECIMAL(18,2)::VARCHAR AS face_value,
        coalesce(sum(r.order_value), 0)::DECIMAL(18,2)::VARCHAR AS order_value
      FROM issued i LEFT JOIN r ON r.rule_id = i.rule_id AND r.pool = i.pool
      GROUP BY i.rule_id, i.pool, i.issued ORDER BY i.rule_id, i.pool`,
    params: params.values,
  });
  const cents = (amount: string): bigint => BigInt(amount.replace('.', ''));
  const sum = (key: 'face_value' | 'order_value'): string => {
    const total = rules.reduce((acc, row) => acc + cents(row[key]), 0n);
    const sign = total < 0n ? '-' : '';
    const digits = (total < 0n ? -total : total).toString().padStart(3, '0');
    return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
  };
  return {
    redemptions: rules.reduce((acc, row) => acc + row.redemptions, 0),
    face_value: sum('face_value'),
    order_value: sum('order_value'),
    rules,
  };
}
