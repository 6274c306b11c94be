import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { GatewayMetrics } from './metrics.js';
import { ProjectionsService } from '../projections/projections.service.js';

@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly projections: ProjectionsService,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async scrape(): Promise<string> {
    this.metrics.projectionEvents.reset();
    for (const s of this.projections.statuses()) {
      this.metrics.projectionEvents.set({ projection: s.name, state: s.state }, s.eventsApplied);
    }
    return this.metrics.registry.metrics();
  }
}
