import { ToolscriptError } from '../errors.js';

/**
 * The token of an `Authorization: Bearer <token>` header value (RFC 6750), trimmed; undefined
 * without one.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer (.+)$/i.exec(authorization ?? '')?.[1]?.trim();
}

/**
 * The media type of a `Content-Type` header value, lower-cased and without parameters
 * (`application/json` for `Application/JSON; charset=utf-8`); `''` when there is none.
 */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** A request refused with an HTTP `status` (401, 403, 413…) before it reaches a route. */
export class HttpError extends ToolscriptError {
  static override readonly kind: string = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('HTTP_REFUSED', message, { status });
    this.name = 'HttpError';
  }
}

/**
 * Reads a request's body as JSON, at most `maxBytes` of it, whether or not it declares its length
 * (a chunked body is counted as it arrives and the rest is not read).
 * @throws {HttpError} 413 when the body is larger than `maxBytes`.
 * @throws {SyntaxError} when the body is not JSON (an empty body included).
 */
export async function readJson(request: Request, maxBytes: number): Promise<unknown> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Leaving the loop early (the throw) cancels the stream: the rest is never read.
  for await (const chunk of request.body ?? []) {
    size += chunk.length;
    if (size > maxBytes) throw bodyTooLarge(maxBytes);
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** The 413 for a request body over `maxBytes`, declared or counted as it arrives. */
export function bodyTooLarge(maxBytes: number): HttpError {
  return new HttpError(
    413,
    `Request body over ${maxBytes} bytes: send less per request (a large script's data belongs in the workspace or a tool), or raise the server's maxBodyBytes`,
  );
}
