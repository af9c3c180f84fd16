import type { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { ChartcastError } from '../lib/errors.js';

/** The body of a request: media type and text. */
export interface RequestBody {
  readonly contentType: string;
  readonly text: string;
}

/**
 * Reads a request body as UTF-8 text, inflating gzip/deflate. The limit applies to the
 * decompressed size, so a small compressed body cannot expand without bound (413 beyond it).
 */
export async function readBody(ctx: Context, limit: number): Promise<RequestBody> {
  const contentType = (ctx.get('Content-Type').split(';')[0] ?? '').trim().toLowerCase();
  const encoding = ctx.get('Content-Encoding').trim().toLowerCase() || 'identity';
  const declared = Number(ctx.get('Content-Length'));
  if (encoding === 'identity' && Number.isFinite(declared) && declared > limit) {
    throw new ChartcastError('body_too_large', `body: ${declared} bytes is larger than the limit of ${limit}`, {
      status: 413,
      field: 'body',
    });
  }
  let stream: Readable = ctx.req;
  if (encoding === 'gzip' || encoding === 'x-gzip') stream = ctx.req.pipe(createGunzip());
  else if (encoding === 'deflate') stream = ctx.req.pipe(createInflate());
  else if (encoding !== 'identity') {
    throw new ChartcastError('bad_request', `content-encoding: "${encoding}" is not supported (use gzip, deflate or none)`, {
      status: 415,
      field: 'content-encoding',
    });
  }
  try {
    const text = await getRawBody(stream, { limit, encoding: 'utf8' });
    return { contentType, text };
  } catch (error) {
    const raw = error as { type?: string; code?: string };
    if (raw.type === 'entity.too.large') {
      ctx.req.unpipe();
      ctx.req.resume();
      throw new ChartcastError('body_too_large', `body: larger than the limit of ${limit} bytes`, { status: 413, field: 'body' });
    }
    if (raw.code === 'Z_DATA_ERROR' || raw.code === 'Z_BUF_ERROR') {
      throw new ChartcastError('bad_request', `body: not valid ${encoding} data`, { status: 400, field: 'body' });
    }
    throw error;
  }
}
