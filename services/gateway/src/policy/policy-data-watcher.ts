import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { PolicyEngine } from '@portcullis/policy';
import type { Logger } from 'pino';
import { GATEWAY_CONFIG, LOGGER, POLICY_ENGINE } from '../tokens.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { PolicyActivation } from './policy-activation.js';

/** Edits arrive as bursts of events (write, rename, chmod): reload once they settle. */
const SETTLE_MS = 250;

/** Why the last edit of the data was refused; cleared by the next good one. */
export interface RejectedPolicyData {
  readonly reason: string;
  readonly at: string;
  /** The revision that keeps deciding. */
  readonly activeRevision: string;
}

/**
 * Hot reload of operator policy data (`policy.data`): when the file, or a
 * file in the directory, changes, the engine rebuilds with the bundle and
 * the new data and swaps only if everything loads (PolicyEngine.reload). A
 * good edit is recorded as PolicyActivated; a bad one is refused with its
 * file and line, in the log, as PolicyRejected, and on /health (degraded),
 * while the last good revision keeps deciding. Sessions' kept decisions
 * (DecisionCache) end with the swap.
 */
@Injectable()
export class PolicyDataWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private rejectedData: RejectedPolicyData | undefined;

  constructor(
    @Inject(POLICY_ENGINE) private readonly engine: PolicyEngine,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly activation: PolicyActivation,
  ) {}

  get rejected(): RejectedPolicyData | undefined {
    return this.rejectedData;
  }

  async onApplicationBootstrap(): Promise<void> {
    const source = this.config.policy.data;
    if (!source) return;
    // A directory is watched itself; a file through its directory, so an
    // editor's write-to-temp-and-rename is seen too.
    const isDirectory = (await stat(source)).isDirectory();
    const dir = isDirectory ? source : dirname(source);
    const name = isDirectory ? undefined : basename(source);
    this.watcher = watch(dir, (_event, file) => {
      if (name !== undefined && file !== null && file !== name) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.reloading = this.reloading.then(() => this.reload());
      }, SETTLE_MS);
    });
    this.watcher.on('error', (error) =>
      this.log.error({ err: error.message, data: source }, 'policy data: cannot watch for changes'),
    );
  }

  onApplicationShutdown(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }

  /** Resolves once any reload already triggered has finished (tests). */
  settled(): Promise<void> {
    return this.reloading;
  }

  private async reload(): Promise<void> {
    const source = this.config.policy.data!;
    const before = this.engine.revision;
    const result = await this.engine.reload();
    if (result.ok) {
      this.rejectedData = undefined;
      if (result.revision === before) return; // saved unchanged
      this.log.info(
        { revision: result.revision, previousRevision: before, data: source },
        'policy data reloaded',
      );
      await this.activation
        .record()
        .catch((error: unknown) =>
          this.log.error({ err: (error as Error).message }, 'could not record PolicyActivated'),
        );
      return;
    }
    const reason = result.error.message;
    this.rejectedData = { reason, at: new Date().toISOString(), activeRevision: result.activeRevision };
    this.log.error(
      { data: source, reason, activeRevision: result.activeRevision },
      'policy data rejected: the last good revision keeps deciding',
    );
    await this.activation
      .rejected(source, reason)
      .catch((error: unknown) =>
        this.log.error({ err: (error as Error).message }, 'could not record PolicyRejected'),
      );
  }
}
