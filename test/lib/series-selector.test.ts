import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { KeyError, parseSeriesKey } from '../../src/lib/series-key.js';
import { autoLabel, fillLabel, nameTester, parseSelector, tagsMatch } from '../../src/lib/series-selector.js';

function matches(selector: string, key: string): boolean {
  const parsed = parseSelector(selector);
  const series = parseSeriesKey(key);
  return nameTester(parsed)(series.name) && tagsMatch(parsed, series);
}

describe('parseSelector', () => {
  it('matches a bare name with any tags, like Prometheus', () => {
    assert.ok(matches('cpu', 'cpu'));
    assert.ok(matches('cpu', 'cpu{host=a}'));
    assert.ok(!matches('cpu', 'cpu.user'));
  });

  it('matches tag values exactly, by wildcard, and by negation', () => {
    assert.ok(matches('temp{room=kitchen}', 'temp{floor=1,room=kitchen}'));
    assert.ok(!matches('temp{room=kitchen}', 'temp{room=garage}'));
    assert.ok(matches('temp{room=*}', 'temp{room=garage}'));
    assert.ok(!matches('temp{room=*}', 'temp'), 'room=* needs the tag');
    assert.ok(matches('temp{room=kit*}', 'temp{room=kitchen}'));
    assert.ok(matches('temp{room!=garage}', 'temp'), 'a missing tag is not garage');
    assert.ok(!matches('temp{room!=garage}', 'temp{room=garage}'));
    assert.ok(matches('temp{room="kitchen"}', 'temp{room=kitchen}'));
  });

  it('matches name patterns: * within one dotted part, ** across parts', () => {
    assert.ok(matches('collectd.*.load', 'collectd.web1.load'));
    assert.ok(!matches('collectd.*.load', 'collectd.a.b.load'));
    assert.ok(matches('collectd.**.load', 'collectd.a.b.load'));
    assert.ok(matches('cpu.*', 'cpu.user{host=a}'));
    assert.ok(!matches('cpu.*', 'cpux'));
  });

  it('treats regex characters in names and values literally', () => {
    assert.ok(!matches('a.b', 'axb'));
    assert.ok(matches('m{v=a+b*}', 'm{v=a+bc}'));
    assert.ok(!matches('m{v=a+b*}', 'm{v=aab}'));
  });

  it('rejects what it cannot read, saying why', () => {
    assert.throws(() => parseSelector('a b'), /not a series name or pattern/);
    assert.throws(() => parseSelector('temp{room=*'), /must end with "}"/);
    assert.throws(() => parseSelector('temp{room}'), /needs "=value"/);
    assert.throws(() => parseSelector('*a*b*c*d*e'), /more than 4 "\*"/);
    assert.throws(() => parseSelector(`m{v=${'*x'.repeat(5)}}`), /more than 4 "\*"/);
  });

  it('never throws anything but a KeyError, and matching stays fast, on arbitrary text', () => {
    const key = parseSeriesKey(`m{v=${'a'.repeat(200)}}`);
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        let selector;
        try {
          selector = parseSelector(text);
        } catch (error) {
          assert.ok(error instanceof KeyError, String(error));
          return;
        }
        const started = performance.now();
        nameTester(selector)(key.name);
        tagsMatch(selector, key);
        assert.ok(performance.now() - started < 50);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('dataset labels', () => {
  it('shows the values of open tags', () => {
    assert.equal(autoLabel(parseSelector('temp{room=*}'), parseSeriesKey('temp{host=a,room=kitchen}')), 'kitchen');
  });

  it('shows what the selector left open when no tag is open', () => {
    assert.equal(autoLabel(parseSelector('cpu'), parseSeriesKey('cpu{host=a}')), 'host=a');
    assert.equal(autoLabel(parseSelector('cpu{host=a}'), parseSeriesKey('cpu{host=a}')), 'cpu');
    assert.equal(autoLabel(parseSelector('cpu.*'), parseSeriesKey('cpu.user')), 'cpu.user');
  });

  it('fills {tag} and {name} placeholders', () => {
    assert.equal(fillLabel('{room} ({name})', parseSeriesKey('temp{room=hall}')), 'hall (temp)');
    assert.equal(fillLabel('{missing}', parseSeriesKey('temp')), '{missing}');
  });
});
