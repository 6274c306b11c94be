import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { GatewayMetrics } from './metrics.js';
import { ProjectionsService } from '../projections/projections.service.js';
import { ForwardersService } from '../siem/forwarders/forwarders.service.js';
import { AnchorsService } from '../siem/anchors/anchors.service.js';

@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly projections: ProjectionsService,
    private readonly forwarders: ForwardersService,
    private readonly anchors: AnchorsService,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async scrape(): Promise<string> {
    this.metrics.projectionEvents.reset();
    for (const s of this.projections.statuses()) {
      this.metrics.projectionEvents.set({ projection: s.name, state: s.state }, s.eventsApplied);
    }
    for (const f of this.forwarders.statuses()) {
      const labels = { forwarder: f.name };
      this.metrics.forwarderEvents.set(labels, f.forwarded);
      this.metrics.forwarderErrors.set(labels, f.errors);
      this.metrics.forwarderLag.set(labels, f.lagSeconds);
      if (f.lastSuccessAt) this.metrics.forwarderLastSuccess.set(labels, Date.parse(f.lastSuccessAt) / 1000);
    }
    const anchors = this.anchors.status();
    if (anchors) {
      this.metrics.anchorSequence.set(anchors.sequence);
      if (anchors.lastSignedAt) this.metrics.anchorLastSigned.set(Date.parse(anchors.lastSignedAt) / 1000);
    }
    return this.metrics.registry.metrics();
  }
}
