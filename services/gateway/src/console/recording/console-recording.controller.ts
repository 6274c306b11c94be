import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { catalogUpcasters, sessionStream, type Recorded, type SessionEvent } from '@portcullis/events';
import type { EventStore } from '@portcullis/eventstore';
import type { Logger } from 'pino';
import { asciicastLines, sessionCast } from '../../replay/session-cast.js';
import type { GatewayConfig } from '../../config/gateway-config.js';
import { EVENT_STORE, GATEWAY_CONFIG, LOGGER } from '../../tokens.js';
import { sessionReaderRoles } from '../auth/console-roles.js';
import { ConsolePages, send, type ConsoleRequest } from '../console-pages.js';

const require = createRequire(import.meta.url);

/**
 * The player's files, from the installed `asciinema-player` package (its
 * self-contained bundle: the terminal emulator's wasm is inside the
 * script), and the console's script that mounts it. Served by the gateway:
 * a console page loads nothing from the internet.
 */
const ASSETS = {
  'asciinema-player.js': {
    file: require.resolve('asciinema-player/dist/bundle/asciinema-player.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'asciinema-player.css': {
    file: require.resolve('asciinema-player/dist/bundle/asciinema-player.css'),
    type: 'text/css; charset=utf-8',
  },
  'console-player.js': {
    file: new URL('../client/player.js', import.meta.url),
    type: 'text/javascript; charset=utf-8',
  },
} as const;

/**
 * SSH terminal recordings in the console: the asciicast of a session
 * (GET /console/sessions/:id/recording.cast) for the player on its detail
 * page, and the player's assets. The cast is made by the same function as
 * `portcullis replay --asciicast` (replay/session-cast.ts), without the
 * typed-input frames and with the typed command lines as markers. Only
 * the sessions pages' readers get it (sessionReaderRoles: auditors and
 * admins, the roles that may read GET /api/sessions).
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleRecordingController {
  private readonly assets = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly pages: ConsolePages,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @Get('assets/asciinema-player.js')
  playerScript(@Res() res: ServerResponse): Promise<void> {
    return this.asset(res, 'asciinema-player.js');
  }

  @Get('assets/asciinema-player.css')
  playerStyles(@Res() res: ServerResponse): Promise<void> {
    return this.asset(res, 'asciinema-player.css');
  }

  @Get('assets/console-player.js')
  mountScript(@Res() res: ServerResponse): Promise<void> {
    return this.asset(res, 'console-player.js');
  }

  @Get('sessions/:id/recording.cast')
  async cast(@Param('id') id: string, @Req() req: ConsoleRequest, @Res() res: ServerResponse): Promise<void> {
    const session = this.pages.session(req);
    if (!session) return send(res, 401, 'text/plain; charset=utf-8', 'sign in first\n');
    if (this.pages.refusedRole(res, session, sessionReaderRoles(this.config.console))) return;
    try {
      const stream = (await this.store.readStream<SessionEvent>(sessionStream(id))).map(
        (e) => catalogUpcasters.upcast(e) as Recorded<SessionEvent>,
      );
      const cast = sessionCast(stream, undefined, { input: false, markers: true });
      if (!cast)
        return send(res, 404, 'text/plain; charset=utf-8', `session ${id} has no terminal recording\n`);
      this.log.info({ subject: session.user.caller.subject, sessionId: id }, 'console: recording played');
      send(res, 200, 'application/x-asciicast', [...asciicastLines(cast)].join('\n') + '\n');
    } catch (error) {
      this.log.error({ err: error, sessionId: id }, 'console: recording failed');
      if (!res.headersSent) send(res, 503, 'text/plain; charset=utf-8', 'the recording could not be read\n');
    }
  }

  private async asset(res: ServerResponse, name: keyof typeof ASSETS): Promise<void> {
    const { file, type } = ASSETS[name];
    let content = this.assets.get(name);
    if (!content) {
      content = readFile(file);
      this.assets.set(name, content);
      content.catch(() => this.assets.delete(name));
    }
    send(res, 200, type, await content);
  }
}
