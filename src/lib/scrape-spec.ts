/** A validated Prometheus scrape target: one file in the scrape folder. */
export interface ScrapeSpec {
  /** The file name without its extension; stored as the `job` tag. */
  readonly name: string;
  /** The /metrics URL, without credentials. */
  readonly url: string;
  /** HTTP basic auth taken from the URL's `user:password@`, if any. */
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly intervalMs: number;
  /** At most intervalMs, so a target's scrapes never overlap. */
  readonly timeoutMs: number;
  /** Extra tags on every sample of the target (they may override `job` and `instance`). */
  readonly labels: Readonly<Record<string, string>>;
  /** Metric-name globs (`*` any characters, `?` one); undefined keeps every metric. */
  readonly metrics: readonly string[] | undefined;
  /** Largest accepted response body (bytes, after decompression). */
  readonly maxBytes: number;
  /** Whether labels in the scraped data win over job, instance and `labels` (Prometheus' honor_labels). */
  readonly honorLabels: boolean;
  readonly file: string | undefined;
}
