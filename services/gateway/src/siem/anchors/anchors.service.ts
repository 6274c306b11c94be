import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@portcullis/eventstore';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../../config/gateway-config.js';
import { EVENT_STORE, GATEWAY_CONFIG, LOGGER } from '../../tokens.js';
import { AnchorSigner, type AnchorStatus } from './anchor-signer.js';

/** Signs the audit anchors (siem.anchors) while the gateway runs. */
@Injectable()
export class AnchorsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly signer: AnchorSigner | undefined;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(LOGGER) log: Logger,
  ) {
    const anchors = config.siem.anchors;
    this.signer = anchors.enabled
      ? new AnchorSigner(
          store,
          {
            instance: config.instance,
            keyFile: anchors.keyFile,
            everyEvents: anchors.everyEvents,
            everySeconds: anchors.everySeconds,
          },
          log,
        )
      : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.signer?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.signer?.stop();
  }

  status(): AnchorStatus | undefined {
    return this.signer?.status();
  }
}
