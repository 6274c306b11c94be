import { Controller, Get, Inject } from '@nestjs/common';
import type { PolicyEngine } from '@portcullis/policy';
import type { StoreAccessLifecycle } from '@portcullis/session';
import { ACCESS_LIFECYCLE, POLICY_ENGINE } from '../tokens.js';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { EventStoreHealth } from './event-store.health.js';
import { ProjectionsService } from '../projections/projections.service.js';
import { PolicyDataWatcher } from '../policy/policy-data-watcher.js';
import { ForwardersService } from '../siem/forwarders/forwarders.service.js';
import { AnchorsService } from '../siem/anchors/anchors.service.js';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly store: EventStoreHealth,
    private readonly projections: ProjectionsService,
    @Inject(POLICY_ENGINE) private readonly policy: PolicyEngine,
    private readonly policyData: PolicyDataWatcher,
    @Inject(ACCESS_LIFECYCLE) private readonly lifecycle: StoreAccessLifecycle,
    private readonly forwarders: ForwardersService,
    private readonly anchors: AnchorsService,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.store.check(),
      () => {
        const indicator = this.indicators.check('policy');
        const details = {
          revision: this.policy.revision,
          ...(this.policy.data ? { data: this.policy.data.source } : {}),
        };
        // A refused edit of the policy data: the last good revision decides, the operator must look.
        const rejected = this.policyData.rejected;
        return rejected ? indicator.degraded({ ...details, rejected }) : indicator.up(details);
      },
      () => {
        const indicator = this.indicators.check('revocations');
        // Not known: admission refuses every session (fail closed), so the data path is down.
        return this.lifecycle.ready
          ? indicator.up({ active: this.lifecycle.activeRevocations().length })
          : indicator.down({
              reason: 'the revocation set has not been read from the store: every session is refused',
            });
      },
      () => {
        const statuses = this.projections.statuses();
        const indicator = this.indicators.check('projections');
        const stalled = statuses.filter((s) => s.state === 'stalled');
        // A stalled read model is stale but the data path still works: degraded, not down.
        return stalled.length
          ? indicator.degraded({ projections: statuses })
          : indicator.up({ projections: statuses });
      },
      () => {
        const forwarders = this.forwarders.statuses();
        const indicator = this.indicators.check('forwarders');
        // A forwarder behind or failing beyond its threshold: the SIEM is late, the data path is not.
        return forwarders.some((f) => f.degraded)
          ? indicator.degraded({ forwarders })
          : indicator.up({ forwarders });
      },
      () => {
        // Informational: the last anchor signed (sequence, time, key id) and the events since.
        const anchors = this.anchors.status();
        return this.indicators.check('anchors').up(anchors ? { ...anchors } : { enabled: false });
      },
    ]);
  }
}
