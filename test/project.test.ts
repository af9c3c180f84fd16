import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';

const ROOT = resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('project layout', () => {
  it('is an ESM package named chartcast for Node 20 or later', () => {
    const pkg = JSON.parse(read('package.json')) as { name: string; type: string; engines: { node: string }; scripts: Record<string, string> };
    assert.equal(pkg.name, 'chartcast');
    assert.equal(pkg.type, 'module');
    assert.equal(pkg.engines.node, '>=20');
    for (const script of ['start', 'test', 'build']) assert.ok(pkg.scripts[script], script);
  });

  it('compiles in strict mode', () => {
    const tsconfig = JSON.parse(read('tsconfig.json')) as { compilerOptions: { strict: boolean } };
    assert.equal(tsconfig.compilerOptions.strict, true);
  });

  it('ships its fonts with their licence', () => {
    for (const file of ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf', 'LICENSE-DejaVu.txt']) {
      assert.ok(existsSync(join(ROOT, 'fonts', file)), file);
    }
  });

  it('has a Dockerfile whose COPY sources exist', () => {
    const sources = [...read('Dockerfile').matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => (m[1] as string).split(/\s+/));
    assert.ok(sources.length > 0);
    for (const source of sources) assert.ok(existsSync(join(ROOT, source)), source);
  });

  it('has a docker-compose.yml that builds and publishes the service with a health check', () => {
    const compose = parseYaml(read('docker-compose.yml')) as {
      services: Record<string, { build?: string; ports?: string[]; healthcheck?: { test: string[] }; volumes?: string[] }>;
    };
    const service = compose.services.chartcast;
    assert.ok(service, 'a chartcast service');
    assert.equal(service.build, '.');
    assert.deepEqual(service.ports, ['8080:8080', '2003:2003/tcp', '2003:2003/udp', '8125:8125/udp'], 'HTTP, Graphite and StatsD');
    assert.ok(service.healthcheck?.test.join(' ').includes('/healthz'));
    for (const volume of service.volumes ?? []) assert.ok(existsSync(join(ROOT, volume.split(':')[0] as string)), volume);
  });
});
