import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { EVENT_STORE } from '../tokens.js';
import type { EventStore } from '@portcullis/eventstore';

/** The gateway's Prometheus registry (one per app, so tests can run several). */
@Injectable()
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly eventsObserved: Counter<'type'>;
  readonly projectionEvents: Gauge<'projection' | 'state'>;
  readonly groupCommitTransactions: Gauge;
  readonly groupCommitAppends: Gauge;
  readonly forwarderEvents: Gauge<'forwarder'>;
  readonly forwarderErrors: Gauge<'forwarder'>;
  readonly forwarderLag: Gauge<'forwarder'>;
  readonly forwarderLastSuccess: Gauge<'forwarder'>;
  readonly anchorSequence: Gauge;
  readonly anchorLastSigned: Gauge;

  constructor(@Inject(EVENT_STORE) store: EventStore) {
    collectDefaultMetrics({ register: this.registry, prefix: 'portcullis_' });
    this.eventsObserved = new Counter({
      name: 'portcullis_events_total',
      help: 'Events seen on the store subscription, by type',
      labelNames: ['type'],
      registers: [this.registry],
    });
    this.projectionEvents = new Gauge({
      name: 'portcullis_projection_events_applied',
      help: 'Events applied by each projection since start',
      labelNames: ['projection', 'state'],
      registers: [this.registry],
    });
    const forwarderGauge = (name: string, help: string) =>
      new Gauge({ name, help, labelNames: ['forwarder'], registers: [this.registry] });
    this.forwarderEvents = forwarderGauge(
      'portcullis_forwarder_events_forwarded',
      'Events each SIEM forwarder delivered (accepted by its peer) since start',
    );
    this.forwarderErrors = forwarderGauge(
      'portcullis_forwarder_errors',
      'Failed deliveries of each SIEM forwarder since start (each retried)',
    );
    this.forwarderLag = forwarderGauge(
      'portcullis_forwarder_lag_seconds',
      'Age of the oldest event each forwarder has not yet delivered (0: caught up)',
    );
    this.forwarderLastSuccess = forwarderGauge(
      'portcullis_forwarder_last_success_timestamp_seconds',
      'When each forwarder last delivered a batch (Unix time)',
    );
    this.anchorSequence = new Gauge({
      name: 'portcullis_anchor_sequence',
      help: 'The sequence number of the last audit anchor this instance signed',
      registers: [this.registry],
    });
    this.anchorLastSigned = new Gauge({
      name: 'portcullis_anchor_last_signed_timestamp_seconds',
      help: 'When this instance last signed an audit anchor (Unix time)',
      registers: [this.registry],
    });
    // Only the SQL stores group-commit; others leave these gauges at zero.
    const stats = () =>
      (store as { groupCommitStats?: { transactions: number; appends: number } }).groupCommitStats;
    this.groupCommitTransactions = new Gauge({
      name: 'portcullis_store_group_commit_transactions',
      help: 'Transactions used by group commit',
      registers: [this.registry],
      collect() {
        this.set(stats()?.transactions ?? 0);
      },
    });
    this.groupCommitAppends = new Gauge({
      name: 'portcullis_store_group_commit_appends',
      help: 'Appends written by group commit',
      registers: [this.registry],
      collect() {
        this.set(stats()?.appends ?? 0);
      },
    });
  }
}
