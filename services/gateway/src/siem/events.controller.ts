import type { ServerResponse } from 'node:http';
import {
  Controller,
  Get,
  Headers,
  Inject,
  Query as QueryParam,
  Res,
  type OnModuleDestroy,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiHeader,
  ApiOkResponse,
  ApiProduces,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { formatPosition, type RecordedEvent } from '@portcullis/events';
import type { EventStore, EventSubscription } from '@portcullis/eventstore';
import type { Logger } from 'pino';
import { ApiCallerAuth } from '../auth/api-caller-auth.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { EVENT_STORE, GATEWAY_CONFIG, LOGGER } from '../tokens.js';
import { EventFeed, FEED_FORMATS, parseFeedFormat, parseFeedStart } from './event-feed.js';

/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/**
 * `GET /api/events`: the event stream for SIEMs, as Server-Sent Events.
 * Each event's `id:` is its global position, so an EventSource (or any
 * client) that reconnects with `Last-Event-ID` resumes right after the last
 * event it got: nothing skipped, at most that one repeated if it was cut off
 * mid-line. Only callers whose token's groups include one of
 * `api.auditorGroups` may read it; the stream ends when their token expires.
 */
@ApiTags('events')
@ApiBearerAuth()
@Controller('api/events')
export class EventsController implements OnModuleDestroy {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly auth: ApiCallerAuth,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @Get()
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description:
      'text/event-stream: one `id: <position>` and `data: <JSON>` per event (the recorded event, or its OCSF 1.8.0 form), in global order, then live ones; `: keepalive` comments every 15 s.',
  })
  @ApiUnauthorizedResponse({ description: 'No token, or a token that does not verify.' })
  @ApiForbiddenResponse({
    description: 'The token is valid but none of its groups is in api.auditorGroups (or none is configured).',
  })
  @ApiQuery({
    name: 'from',
    required: false,
    type: String,
    description:
      'Start after this position (<commit>/<prepare>), or start (default) | end. Last-Event-ID wins.',
  })
  @ApiQuery({ name: 'format', required: false, enum: FEED_FORMATS, description: 'Default json' })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'The id of the last event received: resume after it.',
  })
  async stream(
    @Res() response: ServerResponse,
    @Headers('authorization') authorization?: string,
    @Headers('last-event-id') lastEventId?: string,
    @QueryParam('from') from?: string,
    @QueryParam('format') formatText?: string,
  ): Promise<void> {
    const { caller, expiresAtMs } = await this.auth.verifyMember(authorization, {
      name: 'auditor',
      configKey: 'api.auditorGroups',
      what: 'the event stream',
      groups: this.config.api.auditorGroups,
    });
    const format = parseFeedFormat(formatText, 'format');
    const start = parseFeedStart(lastEventId?.trim() || from, lastEventId?.trim() ? 'Last-Event-ID' : 'from');
    this.log.info(
      { subject: caller.subject, format, from: typeof start === 'string' ? start : formatPosition(start) },
      'events API: stream opened',
    );
    await this.send(response, new EventFeed(this.store, format), start, expiresAtMs);
  }

  private async send(
    response: ServerResponse,
    feed: EventFeed,
    start: ReturnType<typeof parseFeedStart>,
    expiresAtMs: number | undefined,
  ): Promise<void> {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write('retry: 2000\n\n');
    const subscription: EventSubscription = this.store.subscribeToAll({ from: start });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      void subscription.close();
    };
    this.open.add(end);
    // The response's close, not the request's: a request emits `close` once its (empty) body is read.
    response.once('close', end);
    const keepalive = setInterval(() => response.write(': keepalive\n\n'), KEEPALIVE_MS);
    // A token proves its holder only until it expires: then the client reconnects with a fresh one.
    const expiry =
      expiresAtMs === undefined
        ? undefined
        : setTimeout(end, Math.max(0, Math.min(expiresAtMs - Date.now(), 2 ** 31 - 1)));
    try {
      for await (const event of subscription) {
        if (ended) break;
        const data = await feed.render(event);
        if (data === undefined) continue;
        if (!response.write(frame(event, data))) {
          await new Promise<void>((resolve) => {
            response.once('drain', resolve);
            response.once('close', resolve);
          });
        }
      }
    } catch (error) {
      this.log.error({ err: error }, 'events API: stream failed');
    } finally {
      clearInterval(keepalive);
      if (expiry) clearTimeout(expiry);
      this.open.delete(end);
      end();
      response.end();
    }
  }

  /** Open streams end before the HTTP server closes, or it would wait for them. */
  onModuleDestroy(): void {
    for (const end of [...this.open]) end();
  }
}

/** One SSE message; JSON.stringify never yields a newline, so `data:` is one line. */
function frame(event: RecordedEvent, data: Record<string, unknown>): string {
  return `id: ${formatPosition(event.position)}\ndata: ${JSON.stringify(data)}\n\n`;
}
