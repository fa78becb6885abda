/** Serves `/metrics` over HTTP on a loopback address for Prometheus to scrape. */
import { createServer, type Server } from 'node:http';
import type { MetricsRegistry } from './registry.ts';

export interface MetricsServer { readonly port: number; close(): Promise<void> }

/** `listen` is `host:port` (or `[v6]:port`); port 0 picks a free one (see `.port`). */
export async function serveMetrics(registry: MetricsRegistry, listen: string): Promise<MetricsServer> {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen);
  if (!m) throw new Error(`metrics listen address "${listen}" must look like "127.0.0.1:9477"`);
  const host = m[1] ?? m[2];
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(registry.render());
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: vigil serves /metrics only\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(m[3]), host, () => { server.off('error', reject); resolve(); });
  });
  server.unref();
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : Number(m[3]);
  return {
    port,
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      // close() waits for every open connection to finish; a scraper stalled mid-request would hold vigil's shutdown (and the database flush) for minutes.
      server.closeAllConnections();
    }),
  };
}
