import type { IngestSink } from './ingest-sink.js';
import { type CollectdProblem, CollectdConverter, type TypesDb, parseCollectdCommands, parseCollectdJson } from './collectd.js';

/** What a collectd request did. */
export interface CollectdResult {
  readonly stored: number;
  readonly problems: readonly CollectdProblem[];
}

/** Receives collectd write_http requests (JSON or Command format) and delivers them to the sink. */
export class CollectdReceiver {
  readonly #sink: IngestSink;
  readonly #types: TypesDb;
  readonly #converter = new CollectdConverter();
  readonly #maxFutureMs: number;

  constructor(sink: IngestSink, types: TypesDb, maxFutureMs: number) {
    this.#sink = sink;
    this.#types = types;
    this.#maxFutureMs = maxFutureMs;
  }

  /** Stores what `text` holds; `json` selects the JSON format, else the Command (PUTVAL) format. */
  async receive(text: string, json: boolean, now: number): Promise<CollectdResult> {
    const parsed = json ? parseCollectdJson(text) : parseCollectdCommands(text, this.#types, now);
    const converted = this.#converter.convert(parsed.lists, now + this.#maxFutureMs);
    const problems = [...parsed.problems, ...converted.problems];
    if (problems.length > 0) {
      const first = problems[0] as CollectdProblem;
      this.#sink.malformed('collectd', `item ${first.item}: ${first.reason}`, { problems: problems.length }, problems.length);
    }
    const result = await this.#sink.write('collectd', converted.samples);
    return { stored: result.stored, problems };
  }
}
