import { ErrorCode, PortcullisError } from '@portcullis/events';

/** Classifying before `initSqlParser()` resolved is a wiring bug, not bad input. */
export class SqlParserNotReadyError extends PortcullisError {
  constructor() {
    super(ErrorCode.Internal, 'the SQL parser is not loaded yet: await initSqlParser() before classifying');
  }
}
