import type { ChartLoadError } from '../config/chart-loader.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { StreamRegistry } from '../pipeline/stream-registry.js';
import type { CameraSpec, CameraStatus } from '../lib/camera-spec.js';
import type { CollectdReceiver } from '../ingest/collectd-receiver.js';
import type { IngestSink } from '../ingest/ingest-sink.js';
import type { LineProtocolParser } from '../ingest/line-protocol.js';
import type { PushGroups } from '../ingest/push-groups.js';
import type { ScrapeTargetStatus } from '../ingest/scraper.js';
import type { SeriesStore } from '../series/types.js';
import type { SocketTuner } from './socket-tuning.js';

/** What the HTTP layer sees of the cameras (the sources layer's registry satisfies it). */
export interface CameraDirectory {
  all(): readonly { readonly spec: CameraSpec; status(): CameraStatus }[];
}

/** What the HTTP layer serves from. */
export interface HttpDeps {
  readonly registry: StreamRegistry;
  /** Camera-only streams (one "chart" per camera). */
  readonly cameraStreams: StreamRegistry;
  readonly cameras: CameraDirectory;
  readonly store: SeriesStore;
  /** Where protocol receivers deliver points (counts them per protocol). */
  readonly ingest: IngestSink;
  /** collectd write_http requests. */
  readonly collectd: CollectdReceiver;
  /** InfluxDB writes: one parser, whose series key cache outlives requests. */
  readonly lineProtocol: LineProtocolParser;
  /** The series each Pushgateway group pushed, so DELETE removes that group's. */
  readonly pushGroups: PushGroups;
  /** Prometheus scrape targets and scrape files that failed to load, for /api/scrape. */
  readonly scrape: { targets(): readonly ScrapeTargetStatus[]; errors(): readonly ChartLoadError[] };
  /** Protocol listeners' bound ports or errors (null = turned off), for /api/stats. */
  readonly listeners: () => Record<string, unknown>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Chart files that failed to load, shown on the dashboard and in /api/charts. */
  readonly chartErrors: () => readonly ChartLoadError[];
  /** Camera files that failed to load, shown on the dashboard and in /api/cameras. */
  readonly cameraErrors: () => readonly ChartLoadError[];
  readonly limits: {
    readonly maxBodyBytes: number;
    readonly maxFutureMs: number;
  };
  /** Epoch ms the service started. */
  readonly startedAt: number;
  /** Kernel socket options for stream connections. */
  readonly socketTuner: SocketTuner;
  /** How long a .jpg request waits for a frame (ms). */
  readonly frameTimeoutMs: number;
}
