/**
 * Makes a store export readable by DuckDB: GB18030/GBK decoded to UTF-8, a byte-order mark
 * dropped, each line cleaned by the format (Taobao's ="…" numbers), a header row given to
 * files that have none, and an Excel workbook written out as one CSV table (read-xlsx.ts; the
 * format's cleanLine is not applied to it: that text is ours and already clean). Files that need
 * none of this are read in place. The copy is streamed line by line, so its size does not matter
 * to memory.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import iconv from 'iconv-lite';
import type { StoreFormat } from './formats/store-format.js';
import type { InspectedFile } from './inspect-file.js';
import { parseCsvHeader, type PreparedText } from './read-file.js';
import { writeWorkbookCsv } from './read-xlsx.js';

export async function prepareText(file: InspectedFile, format: StoreFormat): Promise<PreparedText> {
  const headerless = format.headerlessColumns;
  const path = join(tmpdir(), `huiyuan-${process.pid}-${Date.now()}-${format.name}.csv`);
  if (file.workbook) {
    try {
      await writeWorkbookCsv(file.path, file.workbook, path);
    } catch (error) {
      rmSync(path, { force: true });
      throw error;
    }
    return {
      path,
      temporary: true,
      gzip: false,
      dialect: { delimiter: ',', names: file.workbook.columns },
      firstDataLine: 2,
    };
  }
  if (file.encoding === 'utf-8' && !format.cleanLine && !headerless) {
    return {
      path: file.path,
      temporary: false,
      gzip: file.gzip,
      dialect: parseCsvHeader(file.head),
      firstDataLine: 2,
    };
  }
  const output = createWriteStream(path);
  const compressed = createReadStream(file.path);
  const bytes = file.gzip ? compressed.pipe(createGunzip()) : compressed;
  const text = bytes.pipe(iconv.decodeStream(file.encoding, { stripBOM: true }));
  const lines = createInterface({ input: text, crlfDelay: Infinity });
  const clean = format.cleanLine ?? ((line: string) => line);
  let firstLine: string | undefined;
  if (headerless) {
    firstLine = headerless.join(',');
    output.write(`${firstLine}\n`);
  }
  for await (const line of lines) {
    const cleaned = clean(line);
    firstLine ??= cleaned;
    if (!output.write(`${cleaned}\n`)) await once(output, 'drain');
  }
  output.end();
  await once(output, 'finish');
  return {
    path,
    temporary: true,
    gzip: false,
    dialect: parseCsvHeader(firstLine ?? ''),
    firstDataLine: headerless ? 1 : 2,
  };
}
