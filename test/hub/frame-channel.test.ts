import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameChannel } from '../../src/hub/frame-channel.js';
import type { Frame, FrameSink } from '../../src/hub/frame.js';

/** A sink that records frames and reports itself saturated while `busy` is set. */
class RecordingSink implements FrameSink {
  readonly frames: Frame[] = [];
  busy = false;
  closed = false;
  #drain: (() => void)[] = [];

  write(frame: Frame): boolean {
    this.frames.push(frame);
    return !this.busy;
  }

  onceDrain(listener: () => void): void {
    this.#drain.push(listener);
  }

  drain(): void {
    this.busy = false;
    for (const listener of this.#drain.splice(0)) listener();
  }

  close(): void {
    this.closed = true;
  }
}

let seq = 0;
const frame = (): Frame => ({ jpeg: Buffer.from([0xff, 0xd8, seq & 0xff, 0xff, 0xd9]), seq: ++seq, timestamp: Date.now() });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FrameChannel', () => {
  it('writes the same Buffer object to every viewer', () => {
    const channel = new FrameChannel({ keepaliveMs: 10_000, stallTimeoutMs: 60_000 });
    const sinks = Array.from({ length: 20 }, () => new RecordingSink());
    const subs = sinks.map((sink) => channel.subscribe(sink));
    const published = frame();
    channel.publish(published);
    for (const sink of sinks) assert.equal(sink.frames[0]?.jpeg, published.jpeg);
    assert.equal(channel.stats().framesSent, 20);
    for (const sub of subs) sub.unsubscribe();
    channel.close();
  });

  it('gives a new viewer the latest frame at once', () => {
    const channel = new FrameChannel({ keepaliveMs: 10_000, stallTimeoutMs: 60_000 });
    const latest = frame();
    channel.publish(frame());
    channel.publish(latest);
    const sink = new RecordingSink();
    const sub = channel.subscribe(sink);
    assert.deepEqual(sink.frames, [latest]);
    sub.unsubscribe();
    channel.close();
  });

  it('drops frames for a slow viewer and sends it only the newest once it drains', () => {
    const channel = new FrameChannel({ keepaliveMs: 10_000, stallTimeoutMs: 60_000 });
    const slow = new RecordingSink();
    const fast = new RecordingSink();
    const slowSub = channel.subscribe(slow);
    channel.subscribe(fast);
    slow.busy = true;
    const first = frame();
    channel.publish(first); // accepted but saturates the slow viewer
    const skipped = [frame(), frame(), frame()];
    for (const f of skipped) channel.publish(f);
    const newest = frame();
    channel.publish(newest);
    assert.deepEqual(slow.frames, [first], 'nothing is queued for the slow viewer');
    assert.equal(fast.frames.length, 5, 'the fast viewer is not held back');
    assert.equal(slowSub.stats().framesSkipped, 4);
    slow.drain();
    assert.deepEqual(slow.frames, [first, newest], 'after draining it gets the newest frame only');
    channel.close();
  });

  it('does not resend a frame the viewer already has after draining', () => {
    const channel = new FrameChannel({ keepaliveMs: 10_000, stallTimeoutMs: 60_000 });
    const sink = new RecordingSink();
    channel.subscribe(sink);
    sink.busy = true;
    channel.publish(frame());
    sink.drain();
    assert.equal(sink.frames.length, 1);
    channel.close();
  });

  it('re-sends the latest frame as a keep-alive to idle viewers', async () => {
    const channel = new FrameChannel({ keepaliveMs: 100, stallTimeoutMs: 60_000 });
    const sink = new RecordingSink();
    const sub = channel.subscribe(sink);
    const only = frame();
    channel.publish(only);
    await sleep(450);
    assert.ok(sink.frames.length >= 4, `${sink.frames.length} sends in 450 ms with a 100 ms keep-alive`);
    assert.ok(sink.frames.every((f) => f === only));
    assert.ok(channel.stats().keepalivesSent >= 3);
    sub.unsubscribe();
    const after = sink.frames.length;
    await sleep(250);
    assert.equal(sink.frames.length, after, 'an unsubscribed viewer gets nothing more');
    channel.close();
  });

  it('stops writing to a viewer that unsubscribed while saturated', () => {
    const channel = new FrameChannel({ keepaliveMs: 10_000, stallTimeoutMs: 60_000 });
    const sink = new RecordingSink();
    const sub = channel.subscribe(sink);
    sink.busy = true;
    channel.publish(frame());
    sub.unsubscribe();
    sub.unsubscribe(); // idempotent
    channel.publish(frame());
    sink.drain();
    assert.equal(sink.frames.length, 1);
    assert.equal(channel.viewerCount, 0);
    channel.close();
  });

  it('disconnects a viewer that stays saturated past the stall timeout', async () => {
    const channel = new FrameChannel({ keepaliveMs: 100, stallTimeoutMs: 200 });
    const stalled = new RecordingSink();
    const healthy = new RecordingSink();
    const closes: string[] = [];
    stalled.close = (reason?: string) => {
      closes.push(reason ?? '');
    };
    channel.subscribe(stalled);
    channel.subscribe(healthy);
    stalled.busy = true;
    channel.publish(frame());
    await sleep(450);
    assert.deepEqual(closes, ['stalled']);
    assert.equal(channel.viewerCount, 1, 'the healthy viewer stays');
    assert.equal(channel.stats().viewersDropped, 1);
    channel.close();
  });

  it('rejects a frame waiter that times out, and forgets it', async () => {
    const channel = new FrameChannel({ keepaliveMs: 10_000, stallTimeoutMs: 60_000 });
    await assert.rejects(channel.nextFrame(50, () => new Error('no frame')), /no frame/);
    channel.publish(frame()); // nothing left to resolve
    channel.close();
  });

  it('asks every viewer to close when the channel closes, and resolves frame waiters on publish', async () => {
    const channel = new FrameChannel({ keepaliveMs: 10_000, stallTimeoutMs: 60_000 });
    const sink = new RecordingSink();
    channel.subscribe(sink);
    const next = channel.nextFrame(1000, () => new Error('timeout'));
    const published = frame();
    channel.publish(published);
    assert.equal(await next, published);
    channel.close();
    assert.equal(sink.closed, true);
  });
});
