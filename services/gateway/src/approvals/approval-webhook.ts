import { createHmac } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { streamIdOf, type RecordedEvent } from '@portcullis/events';
import type { Logger } from 'pino';
import { filter, type Subscription } from 'rxjs';
import type { GatewayConfig } from '../config/gateway-config.js';
import { StoredEvent } from '../events/store-event-bridge.js';
import { GATEWAY_CONFIG, LOGGER } from '../tokens.js';

const SENT_TYPES: Readonly<Record<string, string>> = {
  ApprovalRequested: 'approval.requested',
  ApprovalGranted: 'approval.granted',
  ApprovalDenied: 'approval.denied',
  ApprovalExpired: 'approval.expired',
  ApprovalCancelled: 'approval.cancelled',
};
const RETRY_DELAYS_MS = [500, 2_000];

/**
 * The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * A receiver recomputes it over the raw body and refuses old timestamps
 * (replays). Exported for receivers written in TypeScript, and for tests.
 */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * Posts approval events to a chat tool or any HTTP receiver, signed with a
 * shared secret, so it can show a request with grant/deny links that call
 * the REST API. Each event is sent by the instance that recorded it (every
 * instance sees every event), retried twice; a receiver that stays down is
 * logged, never blocks a proxy. Payloads carry what a human needs to decide,
 * never a token.
 */
@Injectable()
export class ApprovalWebhook implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly bus: EventBus,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const { webhook } = this.config.approvals;
    if (!webhook) return;
    this.subscription = this.bus
      .pipe(
        filter((e): e is StoredEvent => e instanceof StoredEvent),
        filter(
          (e) =>
            e.recorded.type in SENT_TYPES && e.recorded.metadata.gatewayInstance === this.config.instance,
        ),
      )
      .subscribe((e) => {
        const sending = this.send(webhook, e.recorded).finally(() => this.inFlight.delete(sending));
        this.inFlight.add(sending);
      });
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscription?.unsubscribe();
    await Promise.all(this.inFlight);
  }

  private async send(webhook: { url: string; secret: string; timeoutMs: number }, recorded: RecordedEvent) {
    const approvalId = streamIdOf(recorded.streamName);
    const base = this.config.approvals.publicUrl;
    const body = JSON.stringify({
      type: SENT_TYPES[recorded.type],
      eventId: recorded.id,
      approvalId,
      recordedAt: recorded.metadata.recordedAt,
      gatewayInstance: recorded.metadata.gatewayInstance,
      data: recorded.data,
      links: {
        approval: `${base}/api/approvals/${approvalId}`,
        grant: `${base}/api/approvals/${approvalId}/grant`,
        deny: `${base}/api/approvals/${approvalId}/deny`,
      },
    });
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(webhook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-portcullis-event': SENT_TYPES[recorded.type]!,
            'x-portcullis-signature': signWebhook(webhook.secret, body, Math.floor(Date.now() / 1000)),
          },
          body,
          signal: AbortSignal.timeout(webhook.timeoutMs),
        });
        if (response.ok) return;
        throw new Error(`HTTP ${response.status}`);
      } catch (error) {
        if (attempt >= RETRY_DELAYS_MS.length) {
          this.log.error(
            { approvalId, event: recorded.type, err: error instanceof Error ? error.message : String(error) },
            'approval webhook failed',
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
      }
    }
  }
}
