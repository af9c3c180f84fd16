/** Stable error codes callers can switch on. */
export type ErrorCode =
  | 'bad_request'
  | 'invalid_field'
  | 'unsupported_content_type'
  | 'body_too_large'
  | 'not_found'
  | 'method_not_allowed'
  | 'not_implemented'
  | 'series_limit'
  | 'variant_limit'
  | 'unavailable'
  | 'timeout'
  | 'config_invalid'
  | 'render_failed'
  | 'encode_failed'
  | 'internal';

export interface ChartcastErrorOptions {
  /** HTTP status the error maps to when it reaches a client. */
  status?: number;
  /** Whether the message is safe to show to a client. */
  expose?: boolean;
  /** The input field (JSON path, query parameter, header or line) the error is about. */
  field?: string;
  cause?: unknown;
}

/** The one error type of chartcast: a string `code`, and `status`/`expose` for HTTP. */
export class ChartcastError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: ChartcastErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChartcastError';
    this.code = code;
    this.status = options.status ?? 500;
    this.expose = options.expose ?? this.status < 500;
    this.field = options.field;
  }
}

/** A 400 about one named input field. */
export function invalidField(field: string, message: string): ChartcastError {
  return new ChartcastError('invalid_field', `${field}: ${message}`, { status: 400, field });
}

/** A 404 with a message naming what was not found. */
export function notFound(message: string): ChartcastError {
  return new ChartcastError('not_found', message, { status: 404 });
}

/** Whether `error` is a ChartcastError (also across module copies). */
export function isChartcastError(error: unknown): error is ChartcastError {
  return error instanceof ChartcastError;
}

/** A short human message for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
