import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CollectdConverter, parseCollectdCommands, parseCollectdJson, parseTypesDb } from '../../src/ingest/collectd.js';

const TYPES = parseTypesDb(`
# comment
load    shortterm:GAUGE:0:5000, midterm:GAUGE:0:5000, longterm:GAUGE:0:5000
gauge   value:GAUGE:U:U
derive  value:DERIVE:0:U
if_octets  rx:DERIVE:0:U, tx:DERIVE:0:U
`);
const KEY = /^[A-Za-z0-9_:][A-Za-z0-9_.:-]*(\{.+\})?$/;

const list = (overrides: Record<string, unknown> = {}) => ({
  values: [0.5, 0.25, 0.125],
  dstypes: ['gauge', 'gauge', 'gauge'],
  dsnames: ['shortterm', 'midterm', 'longterm'],
  time: 1_700_000_000.5,
  interval: 10,
  host: 'web1.example',
  plugin: 'load',
  plugin_instance: '',
  type: 'load',
  type_instance: '',
  ...overrides,
});

function convert(text: string) {
  const parsed = parseCollectdJson(text);
  const converted = new CollectdConverter().convert(parsed.lists);
  return { samples: converted.samples, problems: [...parsed.problems, ...converted.problems] };
}

describe('collectd JSON (write_http Format "JSON")', () => {
  it('names a value per data source, with host and instances as tags', () => {
    const { samples, problems } = convert(
      JSON.stringify([list(), list({ plugin: 'memory', type: 'memory', type_instance: 'used', values: [1024], dstypes: ['gauge'], dsnames: ['value'] })]),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(samples, [
      { series: 'load.shortterm{host=web1.example}', time: 1_700_000_000_500, value: 0.5 },
      { series: 'load.midterm{host=web1.example}', time: 1_700_000_000_500, value: 0.25 },
      { series: 'load.longterm{host=web1.example}', time: 1_700_000_000_500, value: 0.125 },
      { series: 'memory{host=web1.example,type_instance=used}', time: 1_700_000_000_500, value: 1024 },
    ]);
  });

  it('turns counters into per-second rates across requests and skips resets', () => {
    const converter = new CollectdConverter();
    const octets = (time: number, rx: number, tx: number) =>
      parseCollectdJson(JSON.stringify([list({ plugin: 'interface', plugin_instance: 'eth0', type: 'if_octets', values: [rx, tx], dstypes: ['derive', 'derive'], dsnames: ['rx', 'tx'], time })])).lists;
    assert.deepEqual(converter.convert(octets(100, 1000, 50)).samples, [], 'the first reading has no rate yet');
    assert.deepEqual(converter.convert(octets(110, 3000, 150)).samples.map((s) => [s.series, s.value]), [
      ['interface.if_octets.rx{host=web1.example,plugin_instance=eth0}', 200],
      ['interface.if_octets.tx{host=web1.example,plugin_instance=eth0}', 10],
    ]);
    assert.deepEqual(converter.convert(octets(120, 10, 160)).samples.map((s) => s.value), [1], 'a counter that went back was reset');
  });

  it('rejects value lists from too far in the future', () => {
    const parsed = parseCollectdJson(JSON.stringify([list({ time: 1e306 }), list({ time: 1_700_000_000 })]));
    const { samples, problems } = new CollectdConverter().convert(parsed.lists, 1_700_000_000_000);
    assert.equal(samples.length, 3);
    assert.match(problems[0]?.reason ?? '', /future/);
  });

  it('divides absolute values by the interval and skips unknown (null) values', () => {
    const { samples } = convert(JSON.stringify([list({ plugin: 'x', type: 'hits', values: [50, null], dstypes: ['absolute', 'gauge'], dsnames: ['a', 'b'] })]));
    assert.deepEqual(samples.map((s) => [s.series, s.value]), [['x.hits.a{host=web1.example}', 5]]);
  });

  it('reports bad value lists by number and keeps the good ones', () => {
    const { samples, problems } = convert(JSON.stringify([list(), { values: 'x' }, list({ dstypes: ['gauge'] }), list({ time: 'now' }), 7]).replace(/\]$/, ',' + JSON.stringify(list({ values: ['1', 2, 3] })).replace('"1"', '1e999') + ']'));
    assert.equal(samples.length, 3);
    assert.deepEqual(problems.map((p) => p.item), [2, 3, 4, 5, 6]);
    assert.match(problems[4]?.reason ?? '', /finite numbers/);
    assert.match(problems[1]?.reason ?? '', /dstypes/);
    assert.match(problems[2]?.reason ?? '', /time/);
  });

  it('says what is wrong with a body that is not a JSON array', () => {
    assert.match(convert('{').problems[0]?.reason ?? '', /invalid JSON/);
    assert.match(convert('{}').problems[0]?.reason ?? '', /array/);
  });
});

describe('collectd Command format (write_http Format "Command")', () => {
  const NOW = 1_700_000_100_000;

  it('reads PUTVAL lines, naming values from types.db', () => {
    const text = 'PUTVAL "web1/load/load" interval=10.000 1700000000.000:0.5:0.25:0.125\r\nPUTVAL web1/exec-test/gauge-answer N:42\n';
    const parsed = parseCollectdCommands(text, TYPES, NOW);
    assert.deepEqual(parsed.problems, []);
    const { samples } = new CollectdConverter().convert(parsed.lists);
    assert.deepEqual(samples.map((s) => [s.series, s.time, s.value]), [
      ['load.shortterm{host=web1}', 1_700_000_000_000, 0.5],
      ['load.midterm{host=web1}', 1_700_000_000_000, 0.25],
      ['load.longterm{host=web1}', 1_700_000_000_000, 0.125],
      ['exec.gauge{host=web1,plugin_instance=test,type_instance=answer}', NOW, 42],
    ]);
  });

  it('numbers the values of types it does not know, and reads U as unknown', () => {
    const parsed = parseCollectdCommands('PUTVAL h/p/mystery 1700000000:1:U:3', TYPES, NOW);
    const { samples } = new CollectdConverter().convert(parsed.lists);
    assert.deepEqual(samples.map((s) => [s.series, s.value]), [['p.mystery.0{host=h}', 1], ['p.mystery.2{host=h}', 3]]);
  });

  it('reports bad lines by number and keeps the others', () => {
    const bad = ['PUTVAL h/gauge N:1', 'GETVAL h/a/b', 'PUTVAL h/load/load N:1', 'PUTVAL h/gauge/gauge N:abc', 'PUTVAL "h/gauge/gauge N:1', 'PUTVAL h/gauge/gauge interval=0 N:1'];
    const numbers = ['PUTVAL h/gauge/gauge N:', 'PUTVAL h/gauge/gauge :5', 'PUTVAL h/gauge/gauge N:0x10', 'PUTVAL h/gauge/gauge N:Infinity', 'PUTVAL h/gauge/gauge N:1e999', 'PUTVAL h/gauge/gauge 1e999:1'];
    const text = ['PUTVAL h/gauge/gauge N:1', ...bad, ...numbers, 'PUTVAL h/gauge/gauge N:2'].join('\n');
    const parsed = parseCollectdCommands(text, TYPES, NOW);
    assert.equal(parsed.lists.length, 2);
    assert.deepEqual(parsed.problems.map((p) => p.item), Array.from({ length: bad.length + numbers.length }, (_, i) => i + 2));
    assert.match(parsed.problems[2]?.reason ?? '', /3 data sources, got 1/);
  });
});

describe('collectd parsers on arbitrary input', () => {
  it('never throw, and yield only valid keys and finite values', () => {
    const check = (result: { lists: Parameters<CollectdConverter['convert']>[0] }) => {
      const { samples } = new CollectdConverter().convert(result.lists);
      for (const sample of samples) {
        assert.match(sample.series, KEY);
        assert.ok(Number.isFinite(sample.value) && Number.isFinite(sample.time));
      }
    };
    const token = fc.constantFrom('PUTVAL', ' ', '"', '/', '-', ':', 'N', 'U', 'interval=', '1', '1e308', '\n', 'h', 'load', 'gauge', '\\', '=');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(token, { maxLength: 60 }).map((t) => t.join(''))), (text) => {
        check(parseCollectdCommands(text, TYPES, 0));
        check(parseCollectdJson(text));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.array(fc.record({ values: fc.array(fc.oneof(fc.double(), fc.constant(null)), { maxLength: 4 }), dstypes: fc.array(fc.constantFrom('gauge', 'derive', 'counter', 'absolute', 'x'), { maxLength: 4 }), dsnames: fc.array(fc.string({ maxLength: 5 }), { maxLength: 4 }), time: fc.oneof(fc.double(), fc.string()), interval: fc.double(), host: fc.string({ maxLength: 30 }), plugin: fc.string({ maxLength: 30 }), type: fc.string({ maxLength: 30 }), plugin_instance: fc.string({ maxLength: 30 }), type_instance: fc.string({ maxLength: 30 }) }, { requiredKeys: [] }), { maxLength: 5 }), (lists) => {
        check(parseCollectdJson(JSON.stringify(lists)));
      }),
      { numRuns: 2000 },
    );
  });
});
