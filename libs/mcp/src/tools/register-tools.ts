import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { McpLimits } from '../limits.js';
import type { AgentSession } from '../sessions/agent-session.js';
import { toolResult } from './tool-results.js';

/** Every result says what became of the call; the rest depends on it (docs/mcp.md "Tools"). */
const Outcome = z.looseObject({ status: z.enum(['ok', 'denied', 'error', 'pending']) });

/**
 * The four tools of the Portcullis MCP server, each a thin edge over the
 * agent's session: the decision, the audit, masking and approvals happen
 * in the session core and the protocol's decision, exactly as for psql and ssh.
 */
export function registerTools(server: McpServer, agent: () => AgentSession, limits: McpLimits): void {
  server.registerTool(
    'list_targets',
    {
      title: 'List targets',
      description:
        'The databases (postgres) and hosts (ssh) this identity may open a session to, by session policy. ' +
        '`approval_required`: a human must approve the session first.',
      inputSchema: {},
      outputSchema: Outcome,
      annotations: { readOnlyHint: true },
    },
    () => {
      const { ended } = agent();
      if (ended !== undefined) return toolResult({ status: 'error', message: ended });
      const targets = agent().listTargets();
      return {
        content: [{ type: 'text', text: JSON.stringify(targets) }],
        structuredContent: { status: 'ok', targets },
      };
    },
  );

  server.registerTool(
    'query',
    {
      title: 'Run SQL on a PostgreSQL target',
      description:
        'Runs one SQL text (one or more statements; or one statement with `parameters`) on a postgres target through the ' +
        'Portcullis guard: classified, decided by policy and audited before it runs; sensitive columns ' +
        'come back masked. A denial is an error starting `portcullis: denied:`. A statement that needs a ' +
        'human comes back `pending` with an approval id: call await_approval with it; it then runs exactly ' +
        'the text that was approved. Rows are text values (NULL as null), at most `rowLimit` ' +
        `(and at most ${limits.maxRows}).`,
      inputSchema: {
        target: z.string().min(1).describe('A postgres target name (list_targets)'),
        sql: z.string().min(1).describe('The SQL text; with `parameters`, one statement with $1, $2, …'),
        parameters: z
          .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
          .optional()
          .describe('Values for $1, $2, … (sent as text; null is NULL)'),
        rowLimit: z
          .number()
          .int()
          .positive()
          .optional()
          .describe(`At most this many rows (≤ ${limits.maxRows})`),
      },
      outputSchema: Outcome,
    },
    // The client cancelling the call (or timing out) cancels the statement upstream.
    async ({ target, sql, parameters, rowLimit }, extra) =>
      toolResult(
        await agent().query(
          target,
          sql,
          parameters?.map((p) => (p === null ? null : String(p))),
          rowLimit,
          extra.signal,
        ),
      ),
  );

  server.registerTool(
    'await_approval',
    {
      title: 'Wait for an approval and run the approved command',
      description:
        'Waits (at most `waitSeconds`) for a human to decide the approval a `query` or `exec` of this MCP ' +
        'session returned as pending. Once granted, runs exactly the approved command once and returns its ' +
        'result; once denied or expired, a `portcullis: denied:` error; still undecided, `pending` again.',
      inputSchema: {
        approvalId: z.string().min(1).describe('The approval id of a pending result'),
        waitSeconds: z
          .number()
          .int()
          .positive()
          .optional()
          .describe(`Wait at most this long (≤ ${limits.maxApprovalWaitSeconds})`),
      },
      outputSchema: Outcome,
    },
    async ({ approvalId, waitSeconds }, extra) =>
      toolResult(await agent().awaitApproval(approvalId, waitSeconds, extra.signal)),
  );

  server.registerTool(
    'exec',
    {
      title: 'Run a command on an SSH target',
      description:
        'Runs one command line on an ssh target as `ssh host command` would, without a terminal or stdin, ' +
        'decided by policy exactly like an SSH exec. Returns the exit status and stdout and stderr ' +
        `(each cut at ${limits.maxOutputBytes} bytes). A denial is an error starting \`portcullis: denied:\`; ` +
        'a command that needs a human comes back `pending` (see await_approval). A command running past ' +
        `${limits.execTimeoutSeconds} s is stopped and answers a timeout error.`,
      inputSchema: {
        target: z.string().min(1).describe('An ssh target name (list_targets)'),
        command: z.string().min(1).describe('The command line'),
      },
      outputSchema: Outcome,
    },
    async ({ target, command }) => toolResult(await agent().exec(target, command)),
  );
}
