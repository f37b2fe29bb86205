/**
 * The store formats huiyuan reads, in the order detection tries them. A canonical file is
 * what is left when none matches.
 */
import { basename } from 'node:path';
import { AppError } from '../../errors.js';
import type { InspectedFile } from '../inspect-file.js';
import { parseCsvHeader } from '../read-file.js';
import { onlineRetail } from './online-retail.js';
import type { FileSample, StoreFormat } from './store-format.js';
import { taobaoItems } from './taobao-items.js';
import { taobaoOrders, taobaoQianniu } from './taobao-orders.js';
import { taobaoRefunds } from './taobao-refunds.js';
import { shopifyCustomers } from './shopify-customers.js';
import { shopifyOrders } from './shopify-orders.js';
import { cdnow, cdnowElog, cdnowSample } from './cdnow.js';
import { userBehavior } from './userbehavior.js';

export const STORE_FORMATS: readonly StoreFormat[] = [
  taobaoOrders,
  taobaoQianniu,
  taobaoItems,
  taobaoRefunds,
  shopifyOrders,
  shopifyCustomers,
  onlineRetail,
  cdnow,
  cdnowSample,
  cdnowElog,
  userBehavior,
];

export const STORE_FORMAT_NAMES = STORE_FORMATS.map((format) => format.name);

export function findStoreFormat(name: string): StoreFormat {
  const format = STORE_FORMATS.find((candidate) => candidate.name === name);
  if (!format) {
    throw new AppError(
      'BAD_ARGUMENT',
      `unknown format '${name}'; known formats: canonical, ${STORE_FORMAT_NAMES.join(', ')}`,
    );
  }
  return format;
}

const SAMPLE_LINES = 20;

export function sampleFile(file: InspectedFile): FileSample {
  return {
    header: parseCsvHeader(file.head).names.map((name) => name.trim()),
    lines: file.head.split('\n', SAMPLE_LINES).map((line) => line.replace(/\r$/, '')),
    fileName: basename(file.path),
  };
}
