import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { HttpError, InfluxDB, Point, setLogger } from '@influxdata/influxdb-client';
import { MjpegReader, decodeJpeg } from '../helpers/mjpeg-reader.js';
import { probeChart, showsValueAt } from '../helpers/probe-chart.js';
import { type TestServer, getJson, sleep, startServer } from '../helpers/server.js';

const run = promisify(execFile);

const TANK = probeChart('tank.level');

interface CurlResult {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Runs curl with `args` and returns the final response (after any 100 Continue). */
async function curl(dir: string, ...args: string[]): Promise<CurlResult> {
  const headerFile = join(dir, 'headers.txt');
  const bodyFile = join(dir, 'body.txt');
  const { stdout } = await run('curl', ['-sS', '-D', headerFile, '-o', bodyFile, '-w', '%{http_code}', ...args]);
  const blocks = (await readFile(headerFile, 'utf8')).trim().split(/\r\n\r\n/);
  const headers: Record<string, string> = {};
  for (const line of (blocks.at(-1) ?? '').split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(stdout), headers, body: await readFile(bodyFile, 'utf8').catch(() => '') };
}

/** Nanoseconds since the epoch of `ms`, as line protocol writes them. */
const ns = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;

describe('InfluxDB line protocol over HTTP', () => {
  let server: TestServer;
  let dir: string;
  const T0 = Date.now() - 120_000;
  const T1 = T0 + 1000;

  /** Points of series `key` over the last hour, as [unix seconds, value]. */
  async function points(key: string): Promise<[number, number][]> {
    return (await getJson<{ points: [number, number][] }>(`${server.url}/api/series/${encodeURIComponent(key)}?window=1h`)).points;
  }
  async function missing(key: string): Promise<void> {
    const response = await fetch(`${server.url}/api/series/${encodeURIComponent(key)}`);
    assert.equal(response.status, 404, `${key} should not exist`);
  }

  before(async () => {
    server = await startServer({ charts: { 'tank.json': TANK } });
    dir = await mkdtemp(join(tmpdir(), 'chartcast-influx-'));
  });
  after(() => server.stop());

  it('stores every edge case of a v1 file posted by curl, and names the bad lines', async () => {
    const lines = [
      '# chartcast: line protocol edge cases', // 1
      '', // 2
      `weather,location=us\\ west,station=a\\,1 temp=21.5,humidity=40i,ok=t,note="said \\"hi\\", a=b \\\\ ok" ${T0}`, // 3
      `weather,location=us\\ west,station=a\\,1 temp=22.5 ${T1}`, // 4
      `my\\ room,sen\\=sor=x\\ y value=7u ${T0}`, // 5
      `switch on=TRUE,off=False,flag=f ${T0}`, // 6
      `numbers,kind=float a=1e3,b=-1.5,c=.5,d=-0.25E+1 ${T0}`, // 7
      'nofields', // 8
      `numbers,kind=bad a=12abc ${T0}`, // 9
      `numbers,kind=bad b=tru ${T0}`, // 10
      'late f=1 notatime', // 11
      `strings only="nothing to chart" ${T0}`, // 12
      `counter hits=18446744073709551615u,big=-9223372036854775808i ${T0}`, // 13
      '   # an indented comment', // 14
      `multi,host=a text="first line\nsecond line",v=3 ${T0}`, // 15 and 16
      `future v=1 ${Date.now() + 3_600_000}`, // 17
      `  spaced,host=b   v=4   ${T0}  `, // 18
    ];
    const file = join(dir, 'edge-cases.lp');
    await writeFile(file, `${lines.join('\r\n')}\r\n`);
    const result = await curl(dir, '--data-binary', `@${file}`, `${server.url}/write?db=telegraf&rp=autogen&precision=ms&u=user&p=secret`);

    assert.equal(result.status, 400, result.body);
    const body = JSON.parse(result.body) as { error: string; written: number; errors: { line: number; reason: string }[] };
    const expectedErrors = [
      { line: 8, reason: 'missing fields' },
      { line: 9, reason: 'invalid number' },
      { line: 10, reason: 'invalid boolean' },
      { line: 11, reason: 'bad timestamp' },
      { line: 17, reason: 'time too far in the future' },
    ];
    assert.deepEqual(body.errors, expectedErrors);
    assert.equal(body.written, 16);
    assert.equal(
      body.error,
      'partial write: line 8: missing fields; line 9: invalid number; line 10: invalid boolean; line 11: bad timestamp; line 17: time too far in the future dropped=5',
    );
    assert.equal(result.headers['x-influxdb-error'], body.error);

    const weather = '{location=us west,station=a_1}';
    assert.deepEqual(await points(`weather.temp${weather}`), [[T0 / 1000, 21.5], [T1 / 1000, 22.5]]);
    assert.deepEqual(await points(`weather.humidity${weather}`), [[T0 / 1000, 40]]);
    assert.deepEqual(await points(`weather.ok${weather}`), [[T0 / 1000, 1]]);
    assert.deepEqual(await points('my_room{sen_sor=x y}'), [[T0 / 1000, 7]]);
    assert.deepEqual(
      await Promise.all(['switch.on', 'switch.off', 'switch.flag'].map(points)),
      [[[T0 / 1000, 1]], [[T0 / 1000, 0]], [[T0 / 1000, 0]]],
    );
    for (const [field, value] of [['a', 1000], ['b', -1.5], ['c', 0.5], ['d', -2.5]] as const) {
      assert.deepEqual(await points(`numbers.${field}{kind=float}`), [[T0 / 1000, value]]);
    }
    assert.deepEqual(await points('counter.hits'), [[T0 / 1000, 18446744073709551615]]);
    assert.deepEqual(await points('counter.big'), [[T0 / 1000, -9223372036854775808]]);
    assert.deepEqual(await points('multi.v{host=a}'), [[T0 / 1000, 3]]);
    assert.deepEqual(await points('spaced.v{host=b}'), [[T0 / 1000, 4]]);
    for (const key of [`weather.note${weather}`, 'numbers.a{kind=bad}', 'numbers.b{kind=bad}', 'late.f', 'strings.only', 'future.v', 'multi.text{host=a}']) {
      await missing(key);
    }
  });

  it('takes a gzipped v2 body with nanosecond timestamps and answers 204', async () => {
    const lines = [
      `room,id=1 temp=19.5,on=true ${ns(T0)}`,
      `room,id=1 temp=20.25,on=false ${ns(T1)}`,
      `room,id=2 temp=-3,count=12i,hits=3u ${ns(T0)}`,
      `# gzip: ${'padding '.repeat(20)}`,
    ];
    const file = join(dir, 'v2.lp.gz');
    await writeFile(file, gzipSync(`${lines.join('\n')}\n`));
    const result = await curl(dir, '--data-binary', `@${file}`, '-H', 'Content-Encoding: gzip', '-H', 'Authorization: Token anything', `${server.url}/api/v2/write?org=home&bucket=sensors&precision=ns`);
    assert.equal(result.status, 204, result.body);
    assert.equal(result.body, '');
    assert.deepEqual(await points('room.temp{id=1}'), [[T0 / 1000, 19.5], [T1 / 1000, 20.25]]);
    assert.deepEqual(await points('room.on{id=1}'), [[T0 / 1000, 1], [T1 / 1000, 0]]);
    assert.deepEqual(await points('room.temp{id=2}'), [[T0 / 1000, -3]]);
    assert.deepEqual(await points('room.count{id=2}'), [[T0 / 1000, 12]]);
    assert.deepEqual(await points('room.hits{id=2}'), [[T0 / 1000, 3]]);
  });

  it('keeps the good lines of a v2 partial write and answers InfluxDB 2 style', async () => {
    const result = await curl(dir, '--data-binary', `good2 v=1 ${Math.round(T0 / 1000)}\ngood2 w=\ngood2 w=2 ${Math.round(T0 / 1000)}`, `${server.url}/api/v2/write?org=home&bucket=b&precision=s`);
    assert.equal(result.status, 400);
    assert.deepEqual(JSON.parse(result.body), {
      code: 'invalid',
      message: 'partial write error (2 written): line 2: missing field value',
      written: 2,
      rejectedLines: 1,
      refused: 0,
      errors: [{ line: 2, reason: 'missing field value' }],
    });
    assert.deepEqual(await points('good2.v'), [[Math.round(T0 / 1000), 1]]);
    assert.deepEqual(await points('good2.w'), [[Math.round(T0 / 1000), 2]]);
  });

  it('answers 400, not 500, when a v1 reason holds characters an HTTP header cannot carry', async () => {
    // A 70-character tag name is reported with "…"; a bad line may quote any input, such as 漢.
    const body = [`wide,host=a v=1 ${T0}`, `wide,${'t'.repeat(70)}=x v=2 ${T0}`, `wide,${'漢'.repeat(70)}=x v=3 ${T0}`].join('\n');
    const response = await fetch(`${server.url}/write?db=d&precision=ms`, { method: 'POST', body });
    const json = (await response.json()) as { error: string; written: number; errors: { line: number; reason: string }[] };
    assert.equal(response.status, 400, JSON.stringify(json));
    assert.equal(json.written, 1);
    assert.deepEqual(json.errors.map((e) => e.line), [2, 3]);
    assert.match(json.error, /^partial write: line 2: tag name "t{20}…" longer than 64 characters; line 3: tag name "漢{20}…" longer than 64 characters dropped=2$/);
    // The header says the same in printable ASCII.
    assert.equal(response.headers.get('x-influxdb-error'), json.error.replace(/[^\x20-\x7e]/g, '?'));
    assert.deepEqual(await points('wide.v{host=a}'), [[T0 / 1000, 1]]);

    const precision = await fetch(`${server.url}/write?db=d&precision=${encodeURIComponent('漢')}`, { method: 'POST', body: 'x v=1' });
    const precisionJson = (await precision.json()) as { error: string };
    assert.equal(precision.status, 400, JSON.stringify(precisionJson));
    assert.match(precisionJson.error, /invalid precision "漢"/);
    assert.match(precision.headers.get('x-influxdb-error') ?? '', /^invalid precision "\?": use n, u, ms, s, m or h$/);
  });

  it('requires a database (v1) or a bucket (v2) and a known precision, as InfluxDB does', async () => {
    const v1 = await curl(dir, '--data-binary', 'x v=1', `${server.url}/write`);
    assert.equal(v1.status, 400);
    assert.deepEqual(JSON.parse(v1.body), { error: 'database is required' });
    const v2 = await curl(dir, '--data-binary', 'x v=1', `${server.url}/api/v2/write?org=o`);
    assert.equal(v2.status, 400);
    assert.deepEqual(JSON.parse(v2.body), { code: 'invalid', message: 'bucket is required' });
    const v2Precision = await curl(dir, '--data-binary', 'x v=1', `${server.url}/api/v2/write?bucket=b&precision=n`);
    assert.equal(v2Precision.status, 400);
    assert.match((JSON.parse(v2Precision.body) as { message: string }).message, /valid precision units are ns, us, ms, and s/);
    const v1Precision = await curl(dir, '--data-binary', 'x v=1', `${server.url}/write?db=d&precision=days`);
    assert.equal(v1Precision.status, 400);
    assert.match((JSON.parse(v1Precision.body) as { error: string }).error, /use n, u, ms, s, m or h/);
    await missing('x.v');
    // v1's minutes and hours.
    const hours = await curl(dir, '--data-binary', `hourly v=9 ${Math.floor(Date.now() / 3_600_000)}`, `${server.url}/write?db=d&precision=h`);
    assert.equal(hours.status, 204, hours.body);
    assert.deepEqual((await points('hourly.v')).map(([, v]) => v), [9]);
  });

  it('answers the /ping and /health probes', async () => {
    const head = await curl(dir, '-I', `${server.url}/ping`);
    assert.equal(head.status, 204);
    assert.match(head.headers['x-influxdb-version'] ?? '', /^1\.8/);
    const get = await curl(dir, `${server.url}/ping`);
    assert.equal(get.status, 204);
    const health = await getJson<{ status: string }>(`${server.url}/health`);
    assert.equal(health.status, 'pass');
  });

  it('refuses a gzip bomb with 413 and stores nothing of it', async () => {
    const file = join(dir, 'bomb.lp.gz');
    await writeFile(file, gzipSync(Buffer.from('bomb v=1\n'.repeat(8 * 2 ** 20 / 9))));
    const result = await curl(dir, '--data-binary', `@${file}`, '-H', 'Content-Encoding: gzip', `${server.url}/api/v2/write?bucket=b`);
    assert.equal(result.status, 413, result.body);
    const body = JSON.parse(result.body) as { code: string; message: string };
    assert.equal(body.code, 'request too large');
    assert.match(body.message, /larger than the limit/);
    await missing('bomb.v');
    // The server still answers.
    assert.equal((await curl(dir, `${server.url}/ping`)).status, 204);
  });

  it('stores what @influxdata/influxdb-client writes to the v2 endpoint', async () => {
    setLogger({ error: () => {}, warn: () => {} }); // the client logs failed writes; the test checks them
    const influx = new InfluxDB({ url: server.url, token: 'any-token' });
    const writeApi = influx.getWriteApi('my-org', 'my-bucket', 'ns', { maxRetries: 0 });
    writeApi.useDefaultTags({ site: 'lab' });
    // 200 points: more than the client's gzip threshold, so this also goes gzipped.
    for (let i = 0; i < 200; i++) {
      writeApi.writePoint(
        new Point('client')
          .tag('room', 'kitchen, main')
          .floatField('temp', 20 + i / 10)
          .intField('count', i)
          .uintField('hits', 1000 + i)
          .booleanField('on', i % 2 === 0)
          .stringField('label', `point "${i}"\nwith a newline`)
          .timestamp(new Date(T0 + i * 100)),
      );
    }
    await writeApi.flush();
    const tags = '{room=kitchen_ main,site=lab}';
    const temp = await points(`client.temp${tags}`);
    assert.equal(temp.length, 200);
    assert.deepEqual(temp[0], [T0 / 1000, 20]);
    assert.deepEqual(temp[199], [(T0 + 19_900) / 1000, 39.9]);
    assert.deepEqual((await points(`client.count${tags}`)).at(-1), [(T0 + 19_900) / 1000, 199]);
    assert.deepEqual((await points(`client.hits${tags}`)).at(-1), [(T0 + 19_900) / 1000, 1199]);
    assert.deepEqual((await points(`client.on${tags}`)).slice(0, 2).map(([, v]) => v), [1, 0]);
    await missing(`client.label${tags}`);

    // A rejected point reaches the client as InfluxDB's error.
    writeApi.writePoint(new Point('client').floatField('future', 1).timestamp(new Date(Date.now() + 3_600_000)));
    await assert.rejects(writeApi.flush(), (error: unknown) => {
      assert.ok(error instanceof HttpError, String(error));
      assert.equal(error.statusCode, 400);
      assert.match(error.message, /partial write error \(0 written\): line 1: time too far in the future/);
      return true;
    });
    await writeApi.close().catch(() => {});
  });

  it('shows a line protocol point in the chart stream', async () => {
    const reader = await MjpegReader.open(`${server.url}/charts/tank.mjpeg`);
    try {
      await reader.nextPart();
      for (const value of [80, 25]) {
        await sleep(600); // past the previous points, so the new segment is flat
        const now = Date.now();
        const response = await fetch(`${server.url}/api/v2/write?org=o&bucket=b`, { method: 'POST', body: `tank level=${value} ${ns(now - 500)}\ntank level=${value}i ${ns(now)}\n` });
        assert.equal(response.status, 204, await response.text());
        // 204 carries no storedAt, so take the first frame after the push that draws the new segment.
        await reader.nextPartWhere((p) => p.timestamp >= now && showsValueAt(p, value, now - 250, 10_000), 3000);
      }
    } finally {
      reader.close();
    }
  });

  it('counts points and malformed lines in /api/stats', async () => {
    const { ingest } = await getJson<{ ingest: { influx: { points: number; malformed: number; lastError?: { reason: string } } } }>(`${server.url}/api/stats`);
    assert.ok(ingest.influx.points >= 16 + 5 + 2 + 1 + 800, `points ${ingest.influx.points}`);
    assert.ok(ingest.influx.malformed >= 7, `malformed ${ingest.influx.malformed}`);
    assert.match(ingest.influx.lastError?.reason ?? '', /line \d+: /);
  });
});
