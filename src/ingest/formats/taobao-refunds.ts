/**
 * Tmall/Taobao 退款报表: one row per refund request (退款编号), with 订单编号, 买家会员名称,
 * 买家退款金额, 退款的申请时间, 退款状态, 买家退款原因, 买家退款说明 and some thirty more columns.
 *
 * feedback (kind refund): one per buyer, order and application time; customer_id = 买家会员名称
 * (empty when masked: the order number still ties it to the order), order_id = 订单编号,
 * created_at = 退款的申请时间, text = 买家退款原因；买家退款说明. Requests that were refused or
 * withdrawn are feedback too: the buyer asked for their money back. Several requests of one
 * order made at the same second (items refunded together) are one feedback row, their texts
 * joined with ` | `.
 *
 * Orders are not touched. The amounts refunded per order come from the order export's 退款金额
 * (taobao-orders, taobao-qianniu). This report could only add an amount to orders already in
 * the store, and a format's SELECT sees the file, not the store: an order it named that the store
 * lacks would become an order row with no date, status or amount, i.e. a reject.
 */
import type { StoreFormat } from './store-format.js';
import {
  buyerNick,
  col,
  EXCEL_ROUNDED_CHECKS,
  excelText,
  timestamp,
  unwrapExcelFormulas,
  withColumns,
} from './taobao-common.js';

export const taobaoRefunds: StoreFormat = {
  name: 'taobao-refunds',
  title: 'Taobao/Tmall 退款报表',
  detect: (sample) => {
    const { header } = sample;
    return header.includes('退款编号') && header.includes('订单编号')
      ? 'header has 退款编号 and 订单编号 (Taobao/Tmall 退款报表)'
      : null;
  },
  requiredColumns: ['订单编号', '退款编号', '退款的申请时间'],
  cleanLine: unwrapExcelFormulas,
  entities: [
    {
      kind: 'feedback',
      provides: ['customer_id', 'order_id', 'kind', 'created_at', 'text'],
      checks: EXCEL_ROUNDED_CHECKS.feedback,
      select: (staged) => `SELECT min(line) AS line, customer_id, order_id, 'refund' AS kind, created_at,
          string_agg(text, ' | ' ORDER BY line) AS text
        FROM (SELECT line, ${buyerNick(col('买家会员名称'))} AS customer_id, ${excelText(col('订单编号'))} AS order_id,
            ${timestamp(col('退款的申请时间'))} AS created_at,
            NULLIF(concat_ws('；', ${col('买家退款原因')}, ${col('买家退款说明')}), '') AS text
          FROM ${withColumns(staged)})
        GROUP BY customer_id, order_id, created_at`,
    },
  ],
};
