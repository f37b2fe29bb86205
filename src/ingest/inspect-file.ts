/**
 * First look at an input file, before any of it reaches the database: does it exist, is it
 * compressed, is it CSV, JSON Lines or Parquet, is it text at all, and is that text UTF-8.
 * Only the first 64 KiB (decompressed) are read here; the whole file is checked while it loads
 * (see verifyFile). An Excel workbook (.xlsx) is the exception: its sheets are streamed once to
 * learn their headers, and it is accepted only when a store format recognises them.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import { AppError } from '../errors.js';
import { sampleFile, STORE_FORMATS } from './formats/index.js';
import { sampleWorkbook, type WorkbookOutline } from './read-xlsx.js';

export const CONTAINERS = ['csv', 'jsonl', 'parquet'] as const;
export const TEXT_ENCODINGS = ['utf-8', 'gb18030'] as const;
export type TextEncoding = (typeof TEXT_ENCODINGS)[number];
export type Container = (typeof CONTAINERS)[number];

export interface InspectedFile {
  readonly path: string;
  readonly size: number;
  readonly gzip: boolean;
  readonly container: Container;
  /** The start of the decompressed text (empty for Parquet), BOM removed. */
  readonly head: string;
  /** utf-8, or gb18030 when the text is not valid UTF-8 (GBK is a subset of GB18030). */
  readonly encoding: TextEncoding;
  /** For gb18030 text: the first line that is not UTF-8, to name in a message. */
  readonly firstNonUtf8Line: number | null;
  /** Why the container was chosen, for the import summary. */
  readonly detectedBy: string;
  /** Rows the file holds, estimated from the sample (for progress only; 0 when unknown). */
  readonly estimatedRows: number;
  /**
   * For an Excel workbook (.xlsx): its sheets. It is then read as one CSV table (see
   * read-xlsx.ts), `head` is the start of that table, and only a store format reads it.
   */
  readonly workbook?: WorkbookOutline;
}

const HEAD_BYTES = 64 * 1024;

const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];

const BINARY_SIGNATURES: readonly { readonly bytes: readonly number[]; readonly name: string }[] = [
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], name: 'an old Excel/Office file (.xls)' },
  { bytes: [0x25, 0x50, 0x44, 0x46], name: 'a PDF document' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], name: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], name: 'a JPEG image' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], name: 'a zstd-compressed file (only gzip is read)' },
  { bytes: [0x42, 0x5a, 0x68], name: 'a bzip2-compressed file (only gzip is read)' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf], name: 'a 7-Zip archive' },
];

function startsWith(buffer: Uint8Array, bytes: readonly number[]): boolean {
  return bytes.every((byte, index) => buffer[index] === byte);
}

export async function inspectFile(path: string): Promise<InspectedFile> {
  if (!existsSync(path)) throw new AppError('FILE_NOT_FOUND', `${path}: no such file`);
  const stats = statSync(path);
  if (stats.isDirectory()) throw new AppError('BAD_FILE', `${path} is a folder, not a file`);
  if (stats.size === 0) throw new AppError('BAD_FILE', `${path} is empty (0 bytes)`);

  const raw = await readStart(path, HEAD_BYTES);
  const gzip = raw[0] === 0x1f && raw[1] === 0x8b;
  if (!gzip && startsWith(raw, ZIP_SIGNATURE)) return inspectWorkbook(path, stats.size);
  if (!gzip) {
    const known = BINARY_SIGNATURES.find((signature) => startsWith(raw, signature.bytes));
    if (known)
      throw new AppError('BAD_FILE', `${path} is ${known.name}, not a CSV, JSON Lines or Parquet file`);
  }
  if (!gzip && startsWith(raw, [0x50, 0x41, 0x52, 0x31])) {
    return {
      path,
      size: stats.size,
      gzip,
      container: 'parquet',
      head: '',
      detectedBy: 'Parquet magic bytes PAR1',
      estimatedRows: 0,
      encoding: 'utf-8',
      firstNonUtf8Line: null,
    };
  }

  const start = gzip ? gunzipStart(path, raw) : raw;
  if (startsWith(start, [0x50, 0x41, 0x52, 0x31])) {
    throw new AppError(
      'BAD_FILE',
      `${path} is a gzipped Parquet file; Parquet compresses itself, give it unzipped`,
    );
  }
  if (start.includes(0)) {
    throw new AppError(
      'BAD_FILE',
      `${path} is a binary file (it contains NUL bytes), not CSV, JSON Lines or Parquet text`,
    );
  }
  const { head, encoding, firstNonUtf8Line } = decodeStart(path, start);
  if (head.trim() === '') throw new AppError('BAD_FILE', `${path} is empty (only blank lines)`);

  // Rows ≈ file size / bytes per line of the sample, scaled by the sample's compression ratio.
  const sampleLines = Math.max(1, head.split('\n').length - 1);
  const expansion = gzip ? start.length / raw.length : 1;
  const estimatedRows = Math.round((stats.size * expansion) / (start.length / sampleLines));
  const firstChar = head.trimStart()[0];
  const extension = extname(gzip ? path.replace(/\.gz$/i, '') : path).toLowerCase();
  const compressed = gzip ? ', gzip by magic bytes' : '';
  if (firstChar === '{') {
    return {
      path,
      size: stats.size,
      gzip,
      container: 'jsonl',
      head,
      detectedBy: `JSON Lines: first line is an object${compressed}`,
      estimatedRows,
      encoding,
      firstNonUtf8Line,
    };
  }
  if (firstChar === '[') {
    throw new AppError('BAD_FILE', `${path} is a JSON array; give JSON Lines (one object per line) instead`);
  }
  const why =
    extension === '.csv' || extension === '.txt' || extension === '.tsv'
      ? `extension ${extension}`
      : 'text that is not JSON';
  return {
    path,
    size: stats.size,
    gzip,
    container: 'csv',
    head,
    detectedBy: `CSV: ${why}${compressed}`,
    estimatedRows,
    encoding,
    firstNonUtf8Line,
  };
}

/**
 * An .xlsx workbook (a ZIP archive) is read only when a store format recognises its sheets:
 * canonical files are CSV, JSON Lines or Parquet.
 */
async function inspectWorkbook(path: string, size: number): Promise<InspectedFile> {
  const { outline, head } = await sampleWorkbook(path);
  const sheets = outline.sheets.map((sheet) => `${sheet.name} (${sheet.rows} rows)`).join(', ');
  const file: InspectedFile = {
    path,
    size,
    gzip: false,
    container: 'csv',
    head,
    encoding: 'utf-8',
    firstNonUtf8Line: null,
    detectedBy: `Excel workbook by its ZIP signature, sheets ${sheets}`,
    estimatedRows: outline.sheets.reduce((total, sheet) => total + sheet.rows, 0),
    workbook: outline,
  };
  const sample = sampleFile(file);
  if (!STORE_FORMATS.some((format) => format.detect(sample) !== null)) {
    const described = outline.sheets
      .map(
        (sheet) =>
          `${sheet.name}: ${sheet.header.slice(0, 6).join(', ')}${sheet.header.length > 6 ? ', …' : ''}`,
      )
      .join('; ');
    throw new AppError(
      'BAD_FILE',
      `${path} is an Excel workbook (${described}) that is not a store export huiyuan reads from .xlsx; save the sheet as CSV (UTF-8) and import that`,
    );
  }
  return file;
}

async function readStart(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Decompresses the first bytes of a gzip file; a truncated tail is fine here, garbage is not. */
function gunzipStart(path: string, compressed: Buffer): Buffer {
  try {
    return gunzipSync(compressed, { finishFlush: 2 /* Z_SYNC_FLUSH: accept a partial stream */ }).subarray(
      0,
      HEAD_BYTES,
    );
  } catch (error) {
    throw new AppError(
      'BAD_FILE',
      `${path} starts like gzip but cannot be decompressed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

const UTF8_BOM = '\uFEFF';

/**
 * Decodes the sample: a BOM or valid UTF-8 means UTF-8; anything else is read as GB18030, the
 * superset of the GBK that Excel and Taobao write on Chinese systems. A sample that is neither
 * is a damaged file, and so is UTF-8 text with a few broken characters: read as GB18030 it would
 * import every name garbled.
 */
function decodeStart(
  path: string,
  bytes: Buffer,
): {
  head: string;
  encoding: TextEncoding;
  firstNonUtf8Line: number | null;
} {
  // The sample may end inside a multi-byte character: drop up to 3 trailing bytes of it.
  let end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = bytes[end - back] ?? 0;
    if ((byte & 0xc0) === 0xc0) {
      end -= back;
      break;
    }
    if ((byte & 0x80) === 0) break;
  }
  const sample = bytes.subarray(0, end);
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(sample);
    return {
      head: text.startsWith(UTF8_BOM) ? text.slice(1) : text,
      encoding: 'utf-8',
      firstNonUtf8Line: null,
    };
  } catch {
    const line = firstBadLine(sample, 'utf-8');
    if (mostlyUtf8(sample)) throw describeNotText(path, 'utf-8', line);
    // A GB18030 sample may also end inside a two-byte character: stream keeps it for later.
    try {
      new TextDecoder('gb18030', { fatal: true }).decode(sample, { stream: true });
    } catch (error) {
      throw describeNotText(path, 'gb18030', firstBadLine(sample, 'gb18030'), error);
    }
    return {
      head: new TextDecoder('gb18030', { fatal: false }).decode(sample),
      encoding: 'gb18030',
      firstNonUtf8Line: line,
    };
  }
}

/**
 * Whether most multi-byte characters of text that is not valid UTF-8 are valid UTF-8 all the
 * same: GBK read as UTF-8 gives about four broken sequences per accidental valid one, a UTF-8
 * file with a byte flipped or a character cut gives a handful of broken ones among many.
 */
function mostlyUtf8(bytes: Buffer): boolean {
  let valid = 0;
  let broken = 0;
  for (const char of new TextDecoder('utf-8').decode(bytes)) {
    if (char === '\uFFFD') broken++;
    else if (char.charCodeAt(0) >= 0x80) valid++;
  }
  return valid > 2 * broken;
}

/**
 * Bytes that are not text in the file's encoding, where the rest is: a damaged file (a flipped
 * byte, a character cut in half) or one pasted together from two encodings.
 */
export function describeNotText(
  path: string,
  encoding: TextEncoding,
  line: number,
  cause?: unknown,
): AppError {
  const name = encoding === 'utf-8' ? 'UTF-8' : 'GBK/GB18030';
  return new AppError(
    'BAD_ENCODING',
    `${path}:${line}: bytes that are not ${name} text, though the file is ${name}: the file is damaged or mixes encodings; export it again`,
    cause === undefined ? undefined : { cause },
  );
}

/** The error for a canonical file that is not UTF-8. */
export function describeNotUtf8(file: InspectedFile): AppError {
  const looksChinese = /[\u4e00-\u9fff]/.test(file.head);
  return new AppError(
    'BAD_ENCODING',
    `${file.path}: line ${file.firstNonUtf8Line ?? 1} is not UTF-8${looksChinese ? ' (it looks like GBK/GB18030, as Excel and Taobao save it)' : ''}; canonical files must be UTF-8: re-save the file as UTF-8`,
  );
}

function firstBadLine(bytes: Buffer, encoding: TextEncoding): number {
  let line = 1;
  let start = 0;
  const decoder = new TextDecoder(encoding, { fatal: true });
  for (let index = 0; index <= bytes.length; index++) {
    if (index === bytes.length || bytes[index] === 0x0a) {
      try {
        // The last line of a sample may end inside a character: stream keeps it for later.
        decoder.decode(bytes.subarray(start, index), { stream: index === bytes.length });
      } catch {
        return line;
      }
      line++;
      start = index + 1;
    }
  }
  return line;
}

export interface VerifiedFile {
  /** sha256 of the file's bytes as stored (compressed when gzip). */
  readonly contentHash: string;
}

/**
 * Reads the whole file once: its content hash, and for gzip that the stream is complete and
 * its checksum right (DuckDB's reader stops quietly at a truncated end, which would import a
 * part of the file as if it were all).
 */
export async function verifyFile(file: InspectedFile): Promise<VerifiedFile> {
  const hash = createHash('sha256');
  const hashed = async function* (chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of chunks) {
      hash.update(chunk);
      yield chunk;
    }
  };
  try {
    const input = createReadStream(file.path);
    // pipeline() keeps backpressure (the file is never read faster than it is decompressed)
    // and destroys every stage when one fails.
    const discard = new Writable({ write: (_chunk, _encoding, next) => next() });
    if (file.gzip) await pipeline(input, hashed, createGunzip(), discard);
    else await pipeline(input, hashed, discard);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
    if (file.gzip && code.startsWith('Z_')) throw describeGzipError(file.path, error);
    throw new AppError(
      'BAD_FILE',
      `${file.path}: cannot be read (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  return { contentHash: hash.digest('hex') };
}

/** A gzip stream that ends early or fails its checksum. */
export function describeGzipError(path: string, error: unknown): AppError {
  const message = error instanceof Error ? error.message : String(error);
  return new AppError(
    'BAD_FILE',
    `${path}: the gzip data is truncated or corrupt (${message}); nothing was imported`,
    { cause: error },
  );
}
