import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type TemplateParse, type TemplatePart, parseTemplate, templateSeries } from '../../src/lib/template.js';
import { isValidName } from '../../src/lib/names.js';

function parts(template: string): TemplatePart[] {
  const result = parseTemplate(template, isValidName);
  assert.ok(result.ok, `expected "${template}" to parse, got ${JSON.stringify(result)}`);
  return result.parts;
}

function error(template: string): string {
  const result: TemplateParse = parseTemplate(template, isValidName);
  assert.equal(result.ok, false, `expected "${template}" to be rejected`);
  return result.ok ? '' : result.error;
}

describe('parseTemplate', () => {
  it('returns plain text as one text part', () => {
    assert.deepEqual(parts('hello world'), [{ kind: 'text', text: 'hello world' }]);
  });

  it('returns no parts for an empty template', () => {
    assert.deepEqual(parts(''), []);
  });

  it('parses {time} with and without a date-fns format, keeping colons in the format', () => {
    assert.deepEqual(parts('{time}'), [{ kind: 'time', format: undefined }]);
    assert.deepEqual(parts('{time:HH:mm:ss}'), [{ kind: 'time', format: 'HH:mm:ss' }]);
  });

  it('parses {title}', () => {
    assert.deepEqual(parts('{title}'), [{ kind: 'title' }]);
  });

  it('parses every statistic token with a series and optional decimals', () => {
    assert.deepEqual(parts('{last:cpu}{min:a.b}{max:x_y-z}{avg:mem:2}'), [
      { kind: 'stat', stat: 'last', series: 'cpu', decimals: undefined, unit: undefined },
      { kind: 'stat', stat: 'min', series: 'a.b', decimals: undefined, unit: undefined },
      { kind: 'stat', stat: 'max', series: 'x_y-z', decimals: undefined, unit: undefined },
      { kind: 'stat', stat: 'avg', series: 'mem', decimals: 2, unit: undefined },
    ]);
  });

  it('splits text around tokens in order', () => {
    assert.deepEqual(parts('CPU {last:cpu:1}% at {time}'), [
      { kind: 'text', text: 'CPU ' },
      { kind: 'stat', stat: 'last', series: 'cpu', decimals: 1, unit: undefined },
      { kind: 'text', text: '% at ' },
      { kind: 'time', format: undefined },
    ]);
  });

  it('turns {{ and }} into literal braces', () => {
    assert.deepEqual(parts('{{time}}'), [{ kind: 'text', text: '{time}' }]);
    assert.deepEqual(parts('a {{ {title} }}'), [
      { kind: 'text', text: 'a { ' },
      { kind: 'title' },
      { kind: 'text', text: ' }' },
    ]);
  });

  it('accepts decimals 0 to 10 and rejects others', () => {
    assert.deepEqual(parts('{last:cpu:0}'), [{ kind: 'stat', stat: 'last', series: 'cpu', decimals: 0, unit: undefined }]);
    assert.deepEqual(parts('{last:cpu:10}'), [{ kind: 'stat', stat: 'last', series: 'cpu', decimals: 10, unit: undefined }]);
    assert.match(error('{last:cpu:11}'), /decimals/);
    assert.match(error('{last:cpu:-1}'), /decimals/);
    assert.match(error('{last:cpu:1.5}'), /decimals/);
    assert.match(error('{last:cpu:}'), /decimals/);
    assert.match(error('{last:cpu:x}'), /decimals/);
  });

  it('rejects an unmatched closing brace, naming its offset', () => {
    assert.match(error('ab}'), /unmatched "}" at offset 2/);
    assert.match(error('{time}}'), /unmatched/);
  });

  it('rejects an unclosed opening brace, naming its offset', () => {
    assert.match(error('x {time'), /unclosed "{" at offset 2/);
  });

  it('rejects unknown tokens', () => {
    assert.match(error('{foo}'), /unknown token "\{foo\}"/);
    assert.match(error('{title:x}'), /unknown token/);
    assert.match(error('{}'), /unknown token/);
  });

  it('rejects a statistic without a series', () => {
    assert.match(error('{last}'), /needs a series name/);
  });

  it('rejects an empty time format', () => {
    assert.match(error('{time:}'), /empty time format/);
  });

  it('reads an optional unit after the decimals, "-" meaning none', () => {
    assert.deepEqual(parts('{last:cpu:1:%}'), [{ kind: 'stat', stat: 'last', series: 'cpu', decimals: 1, unit: '%' }]);
    assert.deepEqual(parts('{max:mem::bytes}'), [{ kind: 'stat', stat: 'max', series: 'mem', decimals: undefined, unit: 'bytes' }]);
    assert.deepEqual(parts('{avg:x:2:-}'), [{ kind: 'stat', stat: 'avg', series: 'x', decimals: 2, unit: '' }]);
    assert.match(error('{last:cpu:1:}'), /unit/);
  });

  it('rejects too many colons in a statistic token', () => {
    assert.match(error('{avg:cpu:1:%:x}'), /too many ":"/);
  });

  it('rejects series names the predicate refuses', () => {
    assert.match(error('{last:.hidden}'), /not a valid series name/);
    assert.match(error('{last:}'), /not a valid series name/);
    const result = parseTemplate('{last:cpu}', (name) => name !== 'cpu');
    assert.equal(result.ok, false);
  });
});

describe('templateSeries', () => {
  it('lists the series read by statistic tokens, in order', () => {
    assert.deepEqual(templateSeries(parts('{time} {last:a} {title} {max:b:1} {avg:a}')), ['a', 'b', 'a']);
  });

  it('returns nothing for a template without statistics', () => {
    assert.deepEqual(templateSeries(parts('{time} {title} text')), []);
  });
});
