import { detach } from '../lib/strings.js';
import type { SeriesStore } from '../series/types.js';

/**
 * Which series each Pushgateway group (job + grouping labels) has pushed, so that a DELETE
 * removes exactly that group's series: tags alone cannot tell a group from a nested one
 * (`{job=a}` from `{job=a,instance=x}`, whose series also carry job=a).
 *
 * Membership lives in memory, bounded by the store: keys whose series no longer exist are
 * forgotten when their group pushes again, and all groups are swept whenever there are more
 * groups than the store may hold series.
 */
export class PushGroups {
  readonly #store: SeriesStore;
  readonly #groups = new Map<string, Set<string>>();

  constructor(store: SeriesStore) {
    this.#store = store;
  }

  /** Records that `group` pushed `keys` (only those the store now holds are kept). */
  record(group: string, keys: Iterable<string>): void {
    let members = this.#groups.get(group);
    if (members) this.#prune(members);
    else {
      members = new Set();
      this.#groups.set(detach(group), members); // made from the request's path: a copy, not the path
    }
    for (const key of keys) {
      // A key is a slice of the request body: keep a copy, not the body (only for new members).
      if (!members.has(key) && this.#store.info(key)) members.add(detach(key));
    }
    if (members.size === 0) this.#groups.delete(group);
    if (this.#groups.size > this.#store.limits.maxSeries) this.#sweep();
  }

  /** Deletes every series `group` pushed; returns how many existed. */
  async delete(group: string): Promise<number> {
    const members = this.#groups.get(group);
    this.#groups.delete(group);
    let deleted = 0;
    for (const key of members ?? []) if (await this.#store.delete(key)) deleted++;
    return deleted;
  }

  /** Number of groups tracked (for tests and stats). */
  get size(): number {
    return this.#groups.size;
  }

  #prune(members: Set<string>): void {
    for (const key of members) if (!this.#store.info(key)) members.delete(key);
  }

  #sweep(): void {
    for (const [group, members] of this.#groups) {
      this.#prune(members);
      if (members.size === 0) this.#groups.delete(group);
    }
  }
}
