import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AgentOutcome } from '../sessions/agent-outcome.js';

/**
 * An agent's outcome as an MCP tool result: structured content for
 * programs, the same as text for models. Denials, errors and a server's
 * error are tool errors (`isError`), so an agent cannot mistake them for data.
 */
export function toolResult(outcome: AgentOutcome): CallToolResult {
  switch (outcome.status) {
    case 'denied':
    case 'error':
      return {
        isError: true,
        content: [{ type: 'text', text: outcome.message }],
        structuredContent: {
          status: outcome.status,
          message: outcome.message,
          ...('exec' in outcome && outcome.exec ? outcome.exec : {}),
        },
      };
    case 'pending': {
      const text =
        `portcullis: approval ${outcome.approvalId} required: ${outcome.reason}. ` +
        `A human decides it with: ${outcome.whereToDecide} (until ${outcome.expiresAt}). ` +
        `Then call await_approval with approvalId ${outcome.approvalId}; nothing has run yet.`;
      return { content: [{ type: 'text', text }], structuredContent: { ...outcome } };
    }
    case 'ok': {
      if ('query' in outcome) {
        const { query } = outcome;
        const structured = {
          status: 'ok',
          target: outcome.target,
          columns: query.columns.map((c) => c.name),
          columnTypeOids: query.columns.map((c) => c.typeOid),
          rows: query.rows,
          rowCount: query.rowCount,
          truncated: query.truncated,
          maskedColumns: query.maskedColumns,
          commandTags: query.commandTags,
          ...(query.error ? { error: query.error } : {}),
        };
        if (query.error) {
          return {
            isError: true,
            content: [{ type: 'text', text: `ERROR: ${query.error.message} (SQLSTATE ${query.error.code})` }],
            structuredContent: structured,
          };
        }
        return {
          content: [{ type: 'text', text: JSON.stringify(structured) }],
          structuredContent: structured,
        };
      }
      const structured = { status: 'ok', target: outcome.target, ...outcome.exec };
      return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
    }
  }
}
