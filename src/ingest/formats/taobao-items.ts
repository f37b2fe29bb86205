/**
 * Taobao 宝贝报表 `ExportOrderDetailList<yyyyMMddHHmm>.csv`: one row per item of an order,
 * `"订单编号","标题","价格","购买数量","外部系统编号","商品属性","套餐信息","备注","订单状态","商家编码"`.
 * GBK or UTF-8; 订单编号 written as `="…"`; every data row ends with an extra comma that the
 * header does not have (cleanLine drops it, so rows are not ragged).
 *
 * order-lines: order_id = 订单编号; sku = 商家编码, else 外部系统编号, else 标题 + 商品属性; a
 * sku that repeats within an order gets its 商品属性 appended, then `#2`, `#3` in file order
 * (商家编码 is often one per product, shared by its colours and sizes); name = 标题; quantity =
 * 购买数量; unit_price = 价格 (the list price: what the buyer paid exists only per order, in
 * the 订单报表). The report has no refunds per item, so refunded_amount is left as stored.
 */
import type { StoreFormat } from './store-format.js';
import {
  detailLinesSelect,
  EXCEL_ROUNDED_CHECKS,
  ORDER_LINE_COLUMNS,
  unwrapExcelFormulas,
} from './taobao-common.js';

/** The export's extra trailing comma: only after a quoted last field, as Taobao writes rows. */
function dropTrailingComma(line: string): string {
  return line.endsWith('",') ? line.slice(0, -1) : line;
}

export const taobaoItems: StoreFormat = {
  name: 'taobao-items',
  title: 'Taobao 宝贝报表 (ExportOrderDetailList)',
  detect: (sample) => {
    const { header } = sample;
    if (!header.includes('订单编号') || !header.includes('标题') || header.includes('退款编号')) return null;
    const marks = ['外部系统编号', '套餐信息', '商品属性', '商家编码'].filter((name) =>
      header.includes(name),
    );
    return marks.length > 0 ? `header has 订单编号, 标题 and ${marks.join(', ')} (Taobao 宝贝报表)` : null;
  },
  requiredColumns: ['订单编号', '标题', '价格', '购买数量'],
  cleanLine: (line) => dropTrailingComma(unwrapExcelFormulas(line)),
  entities: [
    {
      kind: 'order-lines',
      provides: ORDER_LINE_COLUMNS,
      select: detailLinesSelect,
      checks: EXCEL_ROUNDED_CHECKS.orderLines,
    },
  ],
};
