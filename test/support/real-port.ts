import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer, type TestServerOptions } from './server.js';

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it; it is released before this resolves). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

/** A {@link TestServer} listening on a real port, whose issuer is that address (`http://127.0.0.1:<port>`). */
export interface ListeningTestServer extends TestServer {
  issuer: string;
}

/**
 * Starts Latchkey on a real port. The issuer must equal the address clients reach (RFC 8414 §3.3, RFC 9207), so
 * the port is chosen first and the server configured with it.
 */
export async function startListeningTestServer(options: TestServerOptions = {}): Promise<ListeningTestServer> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const server = await startTestServer({ ...options, overrides: { ...options.overrides, issuer } });
  try {
    await server.app.listen({ host: '127.0.0.1', port });
  } catch (error) {
    await server.close();
    throw error;
  }
  return { ...server, issuer };
}

/** A client's redirect URI endpoint: hands the query of each request it receives to whoever waits for it. */
export interface CallbackServer {
  /** The callback URL to register, `http://127.0.0.1:<port>/callback`. */
  redirectUri: string;
  /** Resolves with the query of the next request received after this call (call it before the redirect). */
  next(): Promise<URLSearchParams>;
  close(): Promise<void>;
}

export async function startCallbackServer(): Promise<CallbackServer> {
  const waiting: ((query: URLSearchParams) => void)[] = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      response.writeHead(404).end();
      return;
    }
    for (const waiter of waiting.splice(0)) waiter(url.searchParams);
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Done</title><p>You can close this window.</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    next: () => new Promise((resolve) => waiting.push(resolve)),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
