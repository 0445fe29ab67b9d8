import type { IncomingMessage } from 'node:http';

/**
 * The media type of a request's body, lower-cased and without parameters (`application/json` for
 * `Application/JSON; charset=utf-8`); `''` when the request names none.
 */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
