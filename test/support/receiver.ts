import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onFileEnd } from './database.ts';

/**
 * The configuration under which an exchange may post to a test's own webhook receiver on this
 * machine: plain http to 127.0.0.1 and the loopback range, allowed explicitly as an operator
 * would, never by a bypass in the code.
 */
export const loopbackReceivers = {
  BRX_OUTBOUND_HTTP_HOSTS: '127.0.0.1',
  BRX_OUTBOUND_ALLOW_NETWORKS: '127.0.0.0/8',
} as const;

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A webhook receiver on 127.0.0.1; `answer` decides each response once the body is read. */
export async function startReceiver(answer: (hook: Received, res: ServerResponse, req: IncomingMessage) => void | Promise<void>): Promise<{ url: string; port: number }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      void Promise.resolve(answer({ headers: req.headers, body }, res, req)).catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onFileEnd(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hook`, port };
}
