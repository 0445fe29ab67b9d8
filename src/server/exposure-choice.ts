import { EXPOSURES, type Exposure } from '../session/exposure.js';

/** The header a client names its exposure with: `code`, `tools` or `both`. */
export const EXPOSE_HEADER = 'toolscript-expose';

/**
 * What an HTTP client chose for its connection: `?codemode=false` on the endpoint's URL (the
 * convention clients with a code mode of their own use) asks for its tools directly ("tools");
 * `?codemode=true` for code mode only ("code"); the `toolscript-expose` header names any of the
 * three and wins. Undefined when it chose nothing, or named something else.
 */
export function clientExposure(request: Request): Exposure | undefined {
  const header = request.headers.get(EXPOSE_HEADER)?.trim().toLowerCase();
  if (header && (EXPOSURES as readonly string[]).includes(header)) return header as Exposure;
  const codemode = new URL(request.url).searchParams.get('codemode')?.toLowerCase();
  if (codemode === 'false' || codemode === '0') return 'tools';
  if (codemode === 'true' || codemode === '1') return 'code';
  return undefined;
}
