import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { HttpDeps } from './deps.js';
import { errorMiddleware } from './errors.js';
import { apiRoutes } from './routes/api.js';
import { collectdRoutes } from './routes/collectd.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { influxRoutes } from './routes/influx.js';
import { ingestRoutes } from './routes/ingest.js';
import { pushgatewayRoutes } from './routes/pushgateway.js';
import { scrapeRoutes } from './routes/scrape.js';
import { streamRoutes } from './routes/streams.js';

/** Builds the Koa application with every route. */
export function createApp(deps: HttpDeps): Koa {
  const app = new Koa();
  app.silent = true;
  app.use(errorMiddleware(deps.logger));
  for (const router of [dashboardRoutes(deps), streamRoutes(deps), ingestRoutes(deps), influxRoutes(deps), pushgatewayRoutes(deps), scrapeRoutes(deps), collectdRoutes(deps), apiRoutes(deps)]) {
    app.use(router.routes());
    app.use(router.allowedMethods()); // sets 405/501 with Allow; errorMiddleware adds the JSON body
  }
  return app;
}

/** A listening HTTP server with paired start/stop. */
export class HttpServer {
  readonly #server: Server;
  readonly #sockets = new Set<import('node:net').Socket>();

  constructor(app: Koa) {
    this.#server = createServer(app.callback());
    // Bound how long a client may take to send its request (slow-loris); responses may stream forever.
    this.#server.headersTimeout = 15_000;
    this.#server.requestTimeout = 30_000;
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  /** Starts listening; resolves with the bound port. */
  start(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve((this.#server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting, ends open connections (live streams included) and resolves when closed. */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
      for (const socket of this.#sockets) socket.end();
      setTimeout(() => {
        for (const socket of this.#sockets) socket.destroy();
      }, 500).unref();
    });
  }
}
