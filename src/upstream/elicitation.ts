/**
 * An upstream server's questions to the person at the client (MCP's form elicitation), as the
 * gateway passes them on: the server's side of a call, below the approvals, the bridge and the
 * MCP server that answer them.
 */

/** An upstream server's own question to the person at the client: MCP's form elicitation. */
export interface ServerQuestion {
  /** The server that asks. */
  server: string;
  message: string;
  /** MCP's restricted JSON Schema of the form (a flat object of primitive properties). */
  requestedSchema: Record<string, unknown>;
}

/** The person's answer to a {@link ServerQuestion}: MCP's `ElicitResult`. */
export interface ServerAnswer {
  action: 'accept' | 'decline' | 'cancel';
  /** The form's values (MCP's elicitation allows primitives and string arrays). */
  content?: Record<string, string | number | boolean | string[]> | undefined;
}

/**
 * Passes an upstream server's question on to the person at the client (MCP elicitation) and
 * returns their answer; `signal` aborts when the gateway stops waiting.
 */
export type Elicitor = (question: ServerQuestion, signal: AbortSignal) => Promise<ServerAnswer>;

/** One call's way to put its server's question to the person (an {@link Elicitor} bound to the call). */
export type Ask = (question: Omit<ServerQuestion, 'server'>) => Promise<ServerAnswer>;
