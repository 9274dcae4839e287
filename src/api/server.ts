import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { auditRefusedConnections, type RefusedConnectionsAudit } from './refused-connections.ts';
import { createRequestHandler, type RequestHandlerOptions } from './request-handler.ts';
import { type TlsMaterial, tlsServerOptions } from './tls.ts';

export type ApiHandlerOptions = Omit<RequestHandlerOptions, 'drainSignal'>;

/** How long a drain waits for requests in progress before cutting connections. */
const drainTimeoutMs = 30_000;

/**
 * The HTTPS endpoint. Keep-alive connections (SDKs reuse them), a body limit, and a graceful drain:
 * on stop, no new connections, parked long polls answer at once, requests in progress finish.
 *
 * Listening and serving are two steps so that the queue URLs the service hands out can name the port
 * actually bound (`--port 0`).
 */
export class ApiServer {
  private readonly server: Server;
  private readonly drain = new AbortController();
  private handler: ((request: IncomingMessage, response: ServerResponse) => Promise<void>) | undefined;
  private refusedConnections: RefusedConnectionsAudit | undefined;
  private inFlight = 0;
  private idle: (() => void) | undefined;

  /** `tls` is PEM material; undefined serves plain HTTP (the CLI allows that on loopback only). */
  constructor(tls: TlsMaterial | undefined) {
    const onRequest = (request: IncomingMessage, response: ServerResponse) => {
      const handler = this.handler;
      if (!handler) {
        response.writeHead(503, { 'retry-after': '1' }).end();
        return;
      }
      this.inFlight++;
      if (this.drain.signal.aborted) response.setHeader('connection', 'close');
      void handler(request, response).finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) this.idle?.();
      });
    };
    this.server = tls ? createHttpsServer(tlsServerOptions(tls), onRequest) : createHttpServer(onRequest);
    // Long polls last up to 20 s; idle keep-alive connections are kept a little longer than SDKs keep them.
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 70_000;
    this.server.requestTimeout = 120_000;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  serve(options: ApiHandlerOptions): void {
    this.handler = createRequestHandler({ ...options, drainSignal: this.drain.signal });
    if (options.audit) {
      this.refusedConnections = auditRefusedConnections(this.server, options.audit, options.clock, (error) =>
        options.onInternalError('(refused connection)', error),
      );
    }
  }

  /**
   * Stops accepting, wakes long polls, waits for requests in progress (bounded), closes connections, and
   * records the refused connections still counted for a summary.
   */
  async stop(): Promise<void> {
    this.drain.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainTimeoutMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.server.closeAllConnections();
    await closed;
    // Refusals counted for a summary are recorded now, before the caller closes the audit trail.
    await this.refusedConnections?.flush();
  }
}
