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
// (taobao imports)
// (shopify imports)
// (cdnow and userbehavior imports)

export const STORE_FORMATS: readonly StoreFormat[] = [
  // (taobao formats)
  // (shopify formats)
  onlineRetail,
  // (cdnow and userbehavior formats)
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
