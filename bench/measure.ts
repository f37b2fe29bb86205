/**
 * What both benchmarks share: running the CLI as a child process while sampling its peak
 * resident memory, the median of repeated runs, and writing a report section into
 * docs/benchmarks.md between its markers.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');

export interface Measured {
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly output: string;
}

/**
 * Runs `node args…` (or `command args…`) from the project root, sampling its peak resident
 * memory (VmHWM) from /proc.
 */
export function measure(args: readonly string[], command = process.execPath): Promise<Measured> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let peakKb = 0;
    const timer = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        if (hwm) peakKb = Math.max(peakKb, Number(hwm));
      } catch {
        // The process has just exited.
      }
    }, 50);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}:\n${output}`));
      else resolvePromise({ seconds, peakRssMb: peakKb / 1024, output });
    });
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function spread(values: readonly number[]): string {
  return `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)} s`;
}

/** Replaces (or appends, under `heading`) the section between `<!-- name:begin/end -->`. */
export function writeSection(name: string, body: string, heading = ''): void {
  const path = resolve(ROOT, 'docs', 'benchmarks.md');
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const section = `${begin}\n${body}\n${end}`;
  const pattern = new RegExp(`${begin}[\\s\\S]*?${end}`);
  writeFileSync(
    path,
    pattern.test(text) ? text.replace(pattern, section) : `${text.trimEnd()}\n\n${heading}${section}\n`,
  );
}
