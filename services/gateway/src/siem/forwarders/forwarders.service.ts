import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@portcullis/eventstore';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../../config/gateway-config.js';
import type { ForwarderConfig } from '../../config/siem-config.js';
import { EVENT_STORE, GATEWAY_CONFIG, LOGGER } from '../../tokens.js';
import { Forwarder, type ForwarderStatus } from './forwarder.js';
import { HttpTransport } from './http-transport.js';
import { SyslogTransport } from './syslog-transport.js';
import type { ForwarderTransport } from './transport.js';

export function transportFor(config: ForwarderConfig, instance: string): ForwarderTransport {
  return config.type === 'syslog' ? new SyslogTransport(config) : new HttpTransport(config, instance);
}

/** The forwarders of `siem.forwarders`, started with the gateway and stopped with it. */
@Injectable()
export class ForwardersService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly forwarders: Forwarder[];

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(LOGGER) log: Logger,
  ) {
    this.forwarders = config.siem.forwarders.map(
      (f) => new Forwarder(f, store, transportFor(f, config.instance), log),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.forwarders.map((f) => f.start()));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.forwarders.map((f) => f.stop()));
  }

  statuses(): ForwarderStatus[] {
    return this.forwarders.map((f) => f.status());
  }
}
