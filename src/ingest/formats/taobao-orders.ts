/**
 * Taobao/Tmall order exports, two formats over one mapping (taobao-common.ts):
 *
 * - `taobao-orders`: the legacy 订单报表 `ExportOrderList<yyyyMMddHHmm>.csv`, one row per order,
 *   in its 2017 (46 columns), 2018 (54) and 2019+ (61) layouts, read by header name. GBK or
 *   UTF-8 (with or without BOM); order numbers written as Excel formulas `="…"` outside the
 *   quotes (cleanLine unwraps them; they stay text, all 16–19 digits); phones with a leading
 *   apostrophe; header names with trailing spaces; `元` after amounts; Excel-resaved dates
 *   `yyyy/M/d H:mm`.
 * - `taobao-qianniu`: the current 千牛 export, an .xlsx workbook with sheets 订单表 (orders) and
 *   子订单表 (items), or the 订单表 saved as CSV. Its columns are renamed (买家实付金额, 商品标题)
 *   and partly optional; the sheets are told apart by their headers (子订单编号 makes an item
 *   sheet, 订单编号 an order sheet), so their names do not matter. The 子订单表 also feeds
 *   order lines, and fills in what the 订单表 lacks: status, item count, refunds. A workbook row
 *   is named by its row number in its sheet: orders and customers come from the 订单表, order
 *   lines from the 子订单表.
 *
 * Mapping:
 * - orders.id = 订单编号; placed_at = 订单创建时间; paid_at = 订单付款时间.
 * - status from 订单状态 (full- or half-width comma alike) and 订单关闭原因:
 *   等待买家付款 → unpaid; 买家已付款,等待卖家发货 → paid; 卖家已发货… / 卖家部分发货 → shipped;
 *   交易成功 / 买家已签收 → completed; 交易关闭 because of 退款 → refunded; 交易关闭 because
 *   买家未付款 (or 交易被淘宝关闭, 未创建支付宝交易) → cancelled; 交易关闭 for another reason →
 *   refunded when it was paid, cancelled when not. The full table is TAOBAO_ORDER_STATUSES. An
 *   unknown status is passed on and rejected, naming the value.
 * - No layout names the coupon code a buyer used (only amounts, e.g. 天猫卡券抵扣): coupon_code is
 *   not provided, and stays as a canonical file gave it.
 * - paid_amount = 买家实际支付金额 (买家实付金额), 0 when unpaid or cancelled; shipping =
 *   买家应付邮费; refunded_amount = 退款金额; item_count = 宝贝总数量; channel = mobile for
 *   手机订单, else pc; source = tmall for a Tmall shop name, else taobao.
 * - customer_id = 买家会员名. When it is missing or masked (`t**1`, `*`; recent exports are
 *   privacy-restricted), the buyer gets a pseudonymous id derived from the receiver:
 *   `derived:` + the first 16 hex digits of md5(收货人姓名 + '|' + 联系手机, else 联系电话). The
 *   `derived:` prefix marks it; the same receiver name and phone give the same id in every file,
 *   and one person who buys under two names or phones is two customers. An order with neither a
 *   nickname nor a receiver is a guest order.
 * - customers (one per buyer; from the buyer's latest order in the file): name = 收货人姓名,
 *   phone = 联系手机, province = the start of 收货地址 (`广东省 广州市 越秀区 …(510180)`) as the
 *   standard short name (广东; normalizeProvince's names), city = the next part without 市
 *   (municipalities: the province). 千牛's `姓名，86-手机号，地址` form gives name, phone and
 *   address. An address that starts with no province leaves province and city empty.
 */
import { parseCsvHeader } from '../read-file.js';
import { ROW_COLUMN, SHEET_COLUMN } from '../read-xlsx.js';
import type { FileSample, StoreFormat } from './store-format.js';
import {
  CUSTOMER_COLUMNS,
  customersSelect,
  EXCEL_ROUNDED_CHECKS,
  ORDER_COLUMNS,
  ORDER_LINE_COLUMNS,
  ordersSelect,
  otherSheetRows,
  subOrderLinesSelect,
  unwrapExcelFormulas,
} from './taobao-common.js';

function describeLayout(header: readonly string[]): string {
  if (header.includes('支付单号')) return '2019+ layout';
  if (header.includes('新零售交易类型')) return '2018 layout';
  return '2017 layout';
}

/** Says so in the summary when buyers will get derived ids: no 买家会员名, or masked ones in the sample. */
function derivedIdsNote(sample: FileSample): string {
  const index = sample.header.indexOf('买家会员名');
  if (index < 0) return '; no 买家会员名: buyers get derived: ids from receiver name and phone';
  const masked = sample.lines.slice(1).some((line) => {
    const nick = parseCsvHeader(unwrapExcelFormulas(line)).names[index]?.trim();
    return nick !== undefined && (nick === '' || nick.includes('*'));
  });
  return masked
    ? '; 买家会员名 masked or empty in the first rows: those buyers get derived: ids from receiver name and phone'
    : '';
}

export const taobaoOrders: StoreFormat = {
  name: 'taobao-orders',
  title: 'Taobao 订单报表 (ExportOrderList)',
  detect: (sample: FileSample) => {
    const { header } = sample;
    if (header.includes(SHEET_COLUMN) || header.includes('买家实付金额')) return null;
    if (!header.includes('订单编号') || !header.includes('买家应付邮费')) return null;
    return `header has 订单编号 and 买家应付邮费 (Taobao 订单报表, ${describeLayout(header)}, ${header.length} columns)${derivedIdsNote(sample)}`;
  },
  requiredColumns: ['订单编号', '订单状态', '订单创建时间', '买家实际支付金额'],
  cleanLine: unwrapExcelFormulas,
  entities: [
    {
      kind: 'customers',
      provides: CUSTOMER_COLUMNS,
      select: customersSelect,
      checks: EXCEL_ROUNDED_CHECKS.customers,
    },
    { kind: 'orders', provides: ORDER_COLUMNS, select: ordersSelect, checks: EXCEL_ROUNDED_CHECKS.orders },
  ],
};

export const taobaoQianniu: StoreFormat = {
  name: 'taobao-qianniu',
  title: '千牛 order export (订单表 + 子订单表)',
  detect: (sample: FileSample) => {
    const { header } = sample;
    const workbook = header.includes(SHEET_COLUMN) && header.includes(ROW_COLUMN);
    const orderSheet =
      header.includes('订单编号') && (header.includes('买家实付金额') || header.includes('买家应付邮费'));
    const itemSheet = header.includes('子订单编号') && header.includes('主订单编号');
    if (workbook && (orderSheet || itemSheet)) {
      const sheets = [
        orderSheet ? '订单编号 (订单表)' : '',
        itemSheet ? '子订单编号 + 主订单编号 (子订单表)' : '',
      ].filter(Boolean);
      return `workbook with ${sheets.join(' and ')} (千牛 order export)${derivedIdsNote(sample)}`;
    }
    if (header.includes('订单编号') && header.includes('买家实付金额')) {
      return `header has 订单编号 and 买家实付金额 (千牛 订单表)${derivedIdsNote(sample)}`;
    }
    return null;
  },
  requiredColumns: ['订单编号', '订单状态', '订单创建时间'],
  cleanLine: unwrapExcelFormulas,
  entities: [
    {
      kind: 'customers',
      provides: CUSTOMER_COLUMNS,
      select: customersSelect,
      checks: EXCEL_ROUNDED_CHECKS.customers,
    },
    { kind: 'orders', provides: ORDER_COLUMNS, select: ordersSelect, checks: EXCEL_ROUNDED_CHECKS.orders },
    {
      kind: 'order-lines',
      provides: [...ORDER_LINE_COLUMNS, 'refunded_amount'],
      select: subOrderLinesSelect,
      checks: EXCEL_ROUNDED_CHECKS.orderLines,
    },
  ],
  skipped: otherSheetRows,
};
