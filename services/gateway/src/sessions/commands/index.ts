import { OpenSessionHandler } from './open-session.handler.js';
import { RecordCommandHandler } from './record-command.handler.js';
import { CloseSessionHandler } from './close-session.handler.js';

export { OpenSessionCommand } from './open-session.command.js';
export { RecordCommandCommand } from './record-command.command.js';
export { CloseSessionCommand } from './close-session.command.js';

export const sessionCommandHandlers = [OpenSessionHandler, RecordCommandHandler, CloseSessionHandler];
