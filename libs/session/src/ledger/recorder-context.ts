import type { EventContext } from '@portcullis/events';

/** Who writes a session's events: the identity subject (or `anonymous`) and the gateway instance. */
export type RecorderContext = Omit<EventContext, 'correlationId' | 'causationId'>;
