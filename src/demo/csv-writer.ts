/**
 * The demo generator's CSV output: a buffered, streaming writer for one file that keeps memory flat however many
 * rows are written, and RFC 4180 quoting for free-text fields. Rows arrive as complete lines; this module knows
 * nothing of the columns.
 */

import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

const CHUNK_BYTES = 1 << 20;
// Lines are joined into short strings first: one buffer write per ~16k characters instead of one per line.
const PENDING_CHARS = 1 << 14;
// A UTF-16 code unit never takes more than 3 bytes in UTF-8 (a surrogate pair takes 4 for 2 units).
const MAX_UTF8_BYTES_PER_UNIT = 3;

/**
 * One CSV file. Lines are gathered into short strings and encoded into a 1 MB buffer; full buffers go to the
 * write stream, and when the stream's queue is full the caller awaits `drain`, so generation never runs more
 * than a few MB ahead of the disk. Encoding into buffers, rather than growing a 1 MB string, keeps the garbage
 * collector out of it: a long-lived string built from thousands of pieces is a rope the collector must trace
 * and copy, which cost more than generating the data.
 */
export class CsvWriter {
  rows = 0;
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private pending = '';
  private readonly ready: Buffer[] = [];
  private readonly stream: WriteStream;
  private error: Error | undefined;

  constructor(path: string) {
    // Room for a few chunks in the stream's queue lets the disk write one while the next is generated.
    this.stream = createWriteStream(path, { highWaterMark: 4 * CHUNK_BYTES });
    this.stream.on('error', (error) => {
      this.error = error;
    });
  }

  /** Adds the header line; it is not counted in `rows`. */
  writeHeader(columns: readonly string[]): void {
    this.pending += `${columns.join(',')}\n`;
  }

  /** Adds one complete data line (with its trailing newline). */
  append(line: string): void {
    this.pending += line;
    this.rows++;
    if (this.pending.length >= PENDING_CHARS) this.encodePending();
  }

  private encodePending(): void {
    const text = this.pending;
    this.pending = '';
    this.appendText(text);
  }

  private appendText(text: string): void {
    const worstCase = text.length * MAX_UTF8_BYTES_PER_UNIT;
    if (this.used + worstCase > this.buffer.length) {
      this.seal();
      if (worstCase > this.buffer.length) {
        this.ready.push(Buffer.from(text));
        return;
      }
    }
    this.used += this.buffer.write(text, this.used);
  }

  /** Moves the current buffer to the ready queue and starts a new one. */
  private seal(): void {
    if (this.used === 0) return;
    this.ready.push(this.buffer.subarray(0, this.used));
    this.buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
  }

  /** Whether encoded chunks are waiting: the caller should `flush` before producing more. */
  isFull(): boolean {
    return this.ready.length > 0;
  }

  /** Hands the waiting chunks to the stream, awaiting `drain` when its queue is full; rethrows a stream error. */
  async flush(): Promise<void> {
    if (this.error !== undefined) throw this.error;
    for (let chunk = this.ready.shift(); chunk !== undefined; chunk = this.ready.shift()) {
      if (!this.stream.write(chunk)) await once(this.stream, 'drain');
    }
  }

  /** Writes everything still buffered and ends the file. */
  async close(): Promise<void> {
    this.encodePending();
    this.seal();
    await this.flush();
    this.stream.end();
    await finished(this.stream);
  }

  /** Abandons the file after a failure, without flushing. */
  destroy(): void {
    this.stream.destroy();
  }
}

/** A field quoted as RFC 4180 asks when it holds a comma, quote or line break. */
export function quoteCsv(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
