import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { policyStream, toNewEvent, type PolicyActivatedData, type PolicyEvent } from '@portcullis/events';
import { WrongExpectedRevisionError, type EventStore } from '@portcullis/eventstore';
import type { PolicyEngine } from '@portcullis/policy';
import type { Logger } from 'pino';
import { EVENT_STORE, GATEWAY_CONFIG, LOGGER, POLICY_ENGINE } from '../tokens.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { shippedPolicy } from './shipped-policy.js';

/**
 * Records which policy revision this gateway decides with: a PolicyActivated
 * event on `policy-<bundle>` whenever the active revision differs from the
 * last one recorded (by any instance), so every decision in the audit trail
 * can be traced to the exact policy that made it.
 */
@Injectable()
export class PolicyActivation implements OnApplicationBootstrap {
  constructor(
    @Inject(POLICY_ENGINE) private readonly engine: PolicyEngine,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.record();
  }

  /** Records the engine's active revision unless it is the last one recorded (at start and after each reload). */
  async record(): Promise<void> {
    const stream = policyStream(shippedPolicy.name);
    const data: PolicyActivatedData = {
      bundleName: shippedPolicy.name,
      revision: this.engine.revision,
      digest: await bundleDigest(this.engine.source),
      ...(this.engine.data ? { dataDigest: this.engine.data.digest } : {}),
      activatedBy: this.config.instance,
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      const [last] = await this.store.readStream<PolicyEvent>(stream, {
        direction: 'backwards',
        maxCount: 1,
      });
      const current = last?.type === 'PolicyActivated' ? last.data : undefined;
      if (
        current?.revision === data.revision &&
        current.digest === data.digest &&
        current.dataDigest === data.dataDigest
      )
        return;
      try {
        const event = toNewEvent(
          { type: 'PolicyActivated', data },
          { correlationId: stream, actor: this.config.instance, gatewayInstance: this.config.instance },
        );
        await this.store.append(stream, [event], last ? last.revision : 'no_stream');
        this.log.info(
          { revision: data.revision, bundle: this.engine.source, data: this.engine.data?.source },
          'policy activated',
        );
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error; // another instance recorded one: look again
      }
    }
  }

  /** Records why a new policy revision was refused (the previous one keeps deciding). */
  async rejected(source: string, reason: string): Promise<void> {
    const stream = policyStream(shippedPolicy.name);
    const event = toNewEvent(
      { type: 'PolicyRejected', data: { bundleName: shippedPolicy.name, source, reason } },
      { correlationId: stream, actor: this.config.instance, gatewayInstance: this.config.instance },
    );
    await this.store.append(stream, [event], 'any');
  }
}

/** SHA-256 of the bundle file, or of its files in name order for a directory bundle. */
async function bundleDigest(source: string): Promise<string> {
  const hash = createHash('sha256');
  if ((await stat(source)).isDirectory()) {
    for (const name of ['.manifest', 'data.json', 'policy.wasm']) {
      hash.update(name).update(await readFile(join(source, name)).catch(() => Buffer.alloc(0)));
    }
  } else {
    hash.update(await readFile(source));
  }
  return hash.digest('hex');
}
