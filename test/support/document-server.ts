import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A real https server on 127.0.0.1 with a self-signed certificate for `localhost` and `127.0.0.1`. */
export interface DocumentServer {
  port: number;
  /** The certificate, to pass as the `ca` that clients trust. */
  ca: string;
  /** The path of every request received, in order. */
  requests: string[];
  /** Sets what a path answers. */
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

/** A self-signed P-256 certificate made with the `openssl` CLI, valid for a day. */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a {@link DocumentServer}; unknown paths answer 404. */
export async function startDocumentServer(): Promise<DocumentServer> {
  const { key, cert } = selfSignedCertificate();
  const routes = new Map<string, Handler>();
  const requests: string[] = [];
  const server: Server = createServer({ key, cert }, (request, response) => {
    requests.push(request.url ?? '');
    const handler = routes.get(request.url ?? '');
    if (handler) handler(request, response);
    else response.writeHead(404, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    ca: cert,
    requests,
    route: (path, handler) => void routes.set(path, handler),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A handler answering `body` as JSON with the given extra headers. */
export function json(body: unknown, headers: Record<string, string> = {}): Handler {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
}
