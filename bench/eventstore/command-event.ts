import { toNewEvent, type NewEvent } from '@portcullis/events';

/** The size and shape of a real CommandReceived, as both event-store benchmarks append it. */
export function commandEvent(sessionId: string, sequence: number): NewEvent {
  // The size and shape of a real CommandReceived.
  return toNewEvent(
    {
      type: 'CommandReceived',
      data: {
        sessionId,
        sequence,
        protocol: 'postgres',
        text: 'SELECT id, email, created_at FROM public.users WHERE id = $1',
        classification: {
          statements: [{ kind: 'select', objects: ['public.users'], has_where: true, writes: false }],
          columns_read: ['public.users.id', 'public.users.email', 'public.users.created_at'],
        },
        parameters: ['42'],
      },
    },
    { correlationId: sessionId, actor: 'bench', gatewayInstance: 'bench', now: () => new Date() },
  );
}
