import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ErrorCode, isPortcullisError } from '@portcullis/events';

/** The part of Express's response the filter uses (avoids a dependency on its typings). */
interface ProblemResponse {
  status(code: number): ProblemResponse;
  type(mime: string): ProblemResponse;
  json(body: unknown): void;
}

const STATUS: Record<string, number> = {
  [ErrorCode.Validation]: 400,
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Concurrency]: 409,
  [ErrorCode.Unavailable]: 503,
  [ErrorCode.Integrity]: 500,
  [ErrorCode.Internal]: 500,
};

/** Turns errors into RFC 9457 problem details at the HTTP edge, and only there. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<ProblemResponse>();
    let status = 500;
    let body: Record<string, unknown> = { title: 'internal error', code: ErrorCode.Internal };
    if (isPortcullisError(error)) {
      status = STATUS[error.code] ?? 500;
      body = { title: error.message, code: error.code, ...error.details };
    } else if (error instanceof HttpException) {
      status = error.getStatus();
      body = { title: error.message, code: status === 404 ? ErrorCode.NotFound : 'HTTP' };
    }
    response
      .status(status)
      .type('application/problem+json')
      .json({ type: 'about:blank', status, ...body });
  }
}
