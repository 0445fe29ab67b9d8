import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';

/**
 * One MCP session's Streamable HTTP transport: the SDK's web-standard transport (the HTTP app
 * hands it each request of the session), able to take over a session another replica
 * initialized ({@link SessionTransport.replay}).
 */
export class SessionTransport extends WebStandardStreamableHTTPServerTransport {
  /**
   * Makes this transport serve a session initialized on another replica, with no private state
   * touched: it replays the client's `initialize` request (from the session record), so the
   * transport takes the session id its `sessionIdGenerator` gives and the MCP server learns the
   * client's capabilities again, then the client's `notifications/initialized`. The answers go
   * nowhere; the client already has them.
   * @throws when the transport refuses the replayed request (e.g. the record holds no initialize).
   */
  async replay(initialize: unknown): Promise<void> {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const request = (body: unknown, extra: Record<string, string> = {}) =>
      this.handleRequest(
        new Request('http://localhost/mcp', {
          method: 'POST',
          headers: { ...headers, ...extra },
          body: JSON.stringify(body),
        }),
        { parsedBody: body },
      );
    const answer = await request(initialize);
    const text = await answer.text();
    if (!answer.ok || !this.sessionId) throw new Error(`the replayed initialize got HTTP ${answer.status}`);
    // The version the server settled on (its answer is one JSON object or one SSE event).
    const protocolVersion = /"protocolVersion":"([^"]+)"/.exec(text)?.[1];
    const initialized = await request(
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      {
        'mcp-session-id': this.sessionId,
        ...(protocolVersion ? { 'mcp-protocol-version': protocolVersion } : {}),
      },
    );
    await initialized.text();
  }
}
