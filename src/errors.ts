/**
 * The one error type users see. Every failure a store operator can cause (a wrong file, a bad
 * flag, a broken config) becomes an AppError with a code from ERROR_CODES and a message that
 * names what and where; anything else is a bug and is normalised once, at the CLI edge.
 */

export const ERROR_CODES = {
  BAD_ARGUMENT: { exitCode: 2, title: 'bad argument' },
  BAD_CONFIG: { exitCode: 3, title: 'bad config' },
  FILE_NOT_FOUND: { exitCode: 4, title: 'file not found' },
  BAD_FILE: { exitCode: 5, title: 'bad file' },
  BAD_HEADER: { exitCode: 5, title: 'bad header' },
  BAD_ENCODING: { exitCode: 5, title: 'bad encoding' },
  TOO_MANY_REJECTS: { exitCode: 6, title: 'rejected rows' },
  DATABASE_TOO_NEW: { exitCode: 7, title: 'database too new' },
  DATABASE_LOCKED: { exitCode: 7, title: 'database busy' },
  DATABASE: { exitCode: 7, title: 'database error' },
  EMPTY_STORE: { exitCode: 8, title: 'empty store' },
  INTERNAL: { exitCode: 70, title: 'internal error' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Further lines shown under the message, e.g. the first rejected rows. */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options?.details ?? [];
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exitCode;
  }
}

/** Wraps anything thrown into an AppError; AppErrors pass through untouched. */
export function toAppError(thrown: unknown): AppError {
  if (thrown instanceof AppError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new AppError('INTERNAL', `unexpected error: ${firstLine(message)}`, { cause: thrown });
}

export function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}
