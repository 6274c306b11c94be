import { Compile } from 'typebox/compile';
import { eventCatalog, isEventType, type DomainEvent, type EventType } from './catalog/index.js';
import { ValidationError } from './errors.js';

type EventValidator = ReturnType<typeof Compile>;
const validators = new Map<EventType, EventValidator>();

function validatorFor(type: EventType): EventValidator {
  let validator = validators.get(type);
  if (!validator) {
    validator = Compile(eventCatalog[type].schema);
    validators.set(type, validator);
  }
  return validator;
}

/** Checks an event against the catalog; throws a ValidationError naming each bad field. */
export function assertValidEvent(event: { type: string; data: unknown }): asserts event is DomainEvent {
  if (!isEventType(event.type)) {
    throw new ValidationError(`unknown event type "${event.type}"`);
  }
  const validator = validatorFor(event.type);
  if (validator.Check(event.data)) return;
  const problems = [...validator.Errors(event.data)]
    .filter((e) => e.keyword !== 'boolean') // TypeBox reports additionalProperties twice
    .map((e) => ({ path: `/data${e.instancePath}`, message: e.message }));
  throw new ValidationError(`invalid ${event.type} event`, problems);
}
