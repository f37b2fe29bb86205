/**
 * Makes a store export readable by DuckDB: GB18030/GBK decoded to UTF-8, a byte-order mark
 * dropped, each line cleaned by the format (Taobao's ="…" numbers), a header row given to
 * files that have none, and an Excel workbook written out as one CSV table (read-xlsx.ts; the
 * format's cleanLine is not applied to it: that text is ours and already clean). Files that need
 * none of this are read in place. The copy is streamed line by line, so its size does not matter
 * to memory.
 *
 * Every stage runs in one pipeline(), so a failure anywhere (a truncated gzip, bytes that are not
 * text in the file's encoding, a full disk) ends the whole copy, removes it, and surfaces as one
 * AppError naming the file, never as an unhandled stream 'error' event.
 */
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { TextDecoder } from 'node:util';
import { createGunzip } from 'node:zlib';
import { AppError } from '../errors.js';
import type { StoreFormat } from './formats/store-format.js';
import { describeGzipError, describeNotText, type InspectedFile } from './inspect-file.js';
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
      throw describeCopyError(file, error);
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
  const text = new CleanedText(file, format.cleanLine ?? ((line: string) => line));
  const cleaned = async function* (chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
    if (headerless) yield `${headerless.join(',')}\n`;
    yield* text.lines(chunks);
  };
  try {
    if (file.gzip) {
      await pipeline(createReadStream(file.path), createGunzip(), cleaned, createWriteStream(path));
    } else {
      await pipeline(createReadStream(file.path), cleaned, createWriteStream(path));
    }
  } catch (error) {
    rmSync(path, { force: true });
    throw describeCopyError(file, error);
  }
  return {
    path,
    temporary: true,
    gzip: false,
    dialect: parseCsvHeader(headerless ? headerless.join(',') : (text.firstLine ?? '')),
    firstDataLine: headerless ? 1 : 2,
  };
}

/**
 * The file's text decoded strictly (a byte sequence that is not valid in the file's encoding is
 * an error naming its line, not a silent U+FFFD) and cleaned line by line.
 */
class CleanedText {
  firstLine: string | undefined;
  private readonly decoder: TextDecoder;

  constructor(
    private readonly file: InspectedFile,
    private readonly clean: (line: string) => string,
  ) {
    // TextDecoder drops a leading byte-order mark (ignoreBOM: false).
    this.decoder = new TextDecoder(file.encoding, { fatal: true });
  }

  async *lines(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
    let rest = '';
    let lineNumber = 1;
    for await (const chunk of chunks) {
      const text = rest + this.decode(chunk, lineNumber, rest, true);
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      if (parts.length === 0) continue;
      lineNumber += parts.length;
      yield `${parts.map((line) => this.cleanLine(line)).join('\n')}\n`;
    }
    rest += this.decode(Buffer.alloc(0), lineNumber, rest, false);
    if (rest !== '') yield `${this.cleanLine(rest)}\n`;
  }

  private cleanLine(line: string): string {
    const cleaned = this.clean(line.endsWith('\r') ? line.slice(0, -1) : line);
    this.firstLine ??= cleaned;
    return cleaned;
  }

  private decode(chunk: Buffer, lineNumber: number, rest: string, stream: boolean): string {
    try {
      return this.decoder.decode(chunk, { stream });
    } catch (error) {
      // The bad bytes are in this chunk: count the lines before the first undecodable one.
      const loose = new TextDecoder(this.file.encoding).decode(chunk);
      const before = (rest + loose.slice(0, Math.max(0, loose.indexOf('\uFFFD')))).split('\n').length - 1;
      throw describeNotText(this.file.path, this.file.encoding, lineNumber + before, error);
    }
  }
}

function describeCopyError(file: InspectedFile, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (file.gzip && code.startsWith('Z_')) return describeGzipError(file.path, error);
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('BAD_FILE', `${file.path}: cannot copy it into a temporary file (${message})`, {
    cause: error,
  });
}
