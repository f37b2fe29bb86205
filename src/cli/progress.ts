/**
 * A progress bar on stderr for long work (rows/s and ETA), shown only on a TTY and never with
 * --quiet, so piped output and CI logs carry nothing but the summary.
 */
import cliProgress from 'cli-progress';

export interface ProgressUpdate {
  readonly label: string;
  readonly stage: string;
  /** 0–100, or -1 while unknown. */
  readonly percentage: number;
  readonly rows: number;
}

export interface ProgressBar {
  update(progress: ProgressUpdate): void;
  stop(): void;
}

const SILENT: ProgressBar = { update: () => undefined, stop: () => undefined };

export function createProgressBar(options: { quiet: boolean }): ProgressBar {
  if (options.quiet || !process.stderr.isTTY) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{label} {stage} [{bar}] {percentage}% | {rows} rows | {speed} rows/s | ETA {eta_text}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let running = false;
  return {
    update(progress) {
      const seconds = (Date.now() - started) / 1000;
      const percentage = Math.max(0, Math.min(100, progress.percentage));
      const eta =
        progress.percentage > 0 ? Math.round((seconds * (100 - percentage)) / percentage) : Number.NaN;
      const payload = {
        label: progress.label,
        stage: progress.stage.padEnd(8),
        rows: progress.rows.toLocaleString('en-US'),
        speed: seconds > 0 ? Math.round(progress.rows / seconds).toLocaleString('en-US') : '–',
        eta_text: Number.isFinite(eta) ? `${eta}s` : '–',
      };
      if (!running) {
        bar.start(100, Math.round(percentage), payload);
        running = true;
      } else {
        bar.update(Math.round(percentage), payload);
      }
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
