import type { IncomingMessage } from 'node:http';

/** The token of an `Authorization: Bearer <token>` header (RFC 6750), trimmed; undefined without one. */
export function bearerToken(req: IncomingMessage): string | undefined {
  return /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
}

/**
 * The media type of a request's body, lower-cased and without parameters (`application/json` for
 * `Application/JSON; charset=utf-8`); `''` when the request names none.
 */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
