/**
 * The benchmark's baseline: a raw `node:http` server that reads each request body fully and answers `201`
 * with a fixed JSON body the size of a real registration response. It is what "as fast as Node can answer
 * this request" looks like on this machine; `bench/register.ts` compares Latchkey against it.
 *
 *   node --import tsx bench/baseline-server.ts [--host 127.0.0.1] [--port 0]
 *
 * Logs one JSON line, `{"msg":"baseline is listening","address":"http://…"}`, once it listens
 * (`bench/register.ts` picks the port and polls it instead).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';


const { values } = parseArgs({
  options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' } },
});

// The shape and size (about 465 bytes) of what Latchkey answers to the benchmark's registration.
const body = Buffer.from(
  JSON.stringify({
    client_id: 'Zk3rQy0bS8mJ1Hq5dVw2Lg',
    client_id_issued_at: 1_767_225_600,
    client_name: 'Bench 000000',
    redirect_uris: ['https://bench.example/cb'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: 'openid profile email',
    token_endpoint_auth_method: 'none',
    application_type: 'web',
    registration_access_token: 'c0Vx3t1cQ9m2yJ7rN5pL8aW4kE6hU0zB1dF3gH5jK7l',
    registration_client_uri: 'http://localhost:8080/register/Zk3rQy0bS8mJ1Hq5dVw2Lg',
  }),
);
const headers = {
  'content-type': 'application/json; charset=utf-8',
  'content-length': String(body.length),
  'cache-control': 'no-store',
  pragma: 'no-cache',
};

const server = createServer((request, response) => {
  // Read (and discard) the whole body before answering, as a real endpoint must.
  request.on('data', () => {});
  request.on('end', () => {
    response.writeHead(201, headers);
    response.end(body);
  });
  request.on('error', () => response.destroy());
});
// Match Fastify's default, so that neither server drops idle keep-alive connections mid-run.
server.keepAliveTimeout = 72_000;

server.listen(Number(values.port), values.host, () => {
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  process.stdout.write(`${JSON.stringify({ level: 30, msg: 'baseline is listening', address: `http://${host}:${port}` })}\n`);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
