import Type, { type Static } from 'typebox';

/**
 * Events of a `gateway-<instance>` stream: facts about one gateway instance
 * that belong to no session or approval.
 */
export const SessionsUnrecordedSchema = Type.Object(
  {
    sessions: Type.Integer({
      minimum: 1,
      description:
        'Connections refused while the store was unavailable whose SessionRejected did not fit the buffer.',
    }),
    firstAt: Type.String({ format: 'date-time' }),
    lastAt: Type.String({ format: 'date-time' }),
    reasons: Type.Record(Type.String(), Type.Integer({ minimum: 1 }), {
      description: 'How many of them per rejection reason.',
    }),
  },
  { additionalProperties: false },
);

export const SessionsRecoveredSchema = Type.Object(
  {
    sessions: Type.Integer({
      minimum: 0,
      description: 'Sessions of this instance closed with reason gateway_restart.',
    }),
    commandsUnknown: Type.Integer({
      minimum: 0,
      description: 'In-flight commands marked CommandOutcomeUnknown.',
    }),
  },
  { additionalProperties: false },
);

export type SessionsUnrecordedData = Static<typeof SessionsUnrecordedSchema>;
export type SessionsRecoveredData = Static<typeof SessionsRecoveredSchema>;
