import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { EventStoreHealth } from './event-store.health.js';
import { ProjectionsService } from '../projections/projections.service.js';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly store: EventStoreHealth,
    private readonly projections: ProjectionsService,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.store.check(),
      () => {
        const statuses = this.projections.statuses();
        const indicator = this.indicators.check('projections');
        const stalled = statuses.filter((s) => s.state === 'stalled');
        // A stalled read model is stale but the data path still works: degraded, not down.
        return stalled.length
          ? indicator.degraded({ projections: statuses })
          : indicator.up({ projections: statuses });
      },
    ]);
  }
}
