import { Controller, Get, Query as QueryParam } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ValidationError } from '@portcullis/events';
import { ListSessionsQuery } from './queries/list-sessions.query.js';
import { SessionPage } from './queries/session.view.js';

const STATUSES = ['open', 'closed', 'rejected'] as const;

@ApiTags('sessions')
@Controller('api/sessions')
export class SessionsController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @ApiOkResponse({ type: SessionPage })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  @ApiQuery({ name: 'target', required: false, type: String })
  @ApiQuery({
    name: 'identity',
    required: false,
    type: String,
    description: 'A subject or an application id: only that identity',
  })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-500, default 50' })
  @ApiQuery({ name: 'before', required: false, type: String, description: 'Cursor from a previous page' })
  list(
    @QueryParam('status') status?: string,
    @QueryParam('target') target?: string,
    @QueryParam('limit') limit?: string,
    @QueryParam('before') before?: string,
    @QueryParam('identity') identity?: string,
  ): Promise<SessionPage> {
    if (status !== undefined && !STATUSES.includes(status as (typeof STATUSES)[number])) {
      throw new ValidationError('invalid query', [
        { path: 'status', message: `must be one of ${STATUSES.join(', ')}` },
      ]);
    }
    const size = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > 500) {
      throw new ValidationError('invalid query', [
        { path: 'limit', message: 'must be an integer from 1 to 500' },
      ]);
    }
    return this.queries.execute(
      new ListSessionsQuery({
        status: status as (typeof STATUSES)[number] | undefined,
        target,
        identity,
        limit: size,
        before,
      }),
    );
  }
}
