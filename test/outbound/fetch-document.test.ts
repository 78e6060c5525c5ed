import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DocumentFetchError, type FetchDocumentOptions } from '../../src/ports/document-fetcher.js';
import { fetchDocument, refusedAddress } from '../../src/outbound/fetch-document.js';
import { json, startDocumentServer, type DocumentServer } from '../support/document-server.js';

describe('metadata document fetching with SSRF protection', () => {
  let server: DocumentServer;
  let strict: FetchDocumentOptions;
  let relaxed: FetchDocumentOptions;
  const document = { client_id: 'x', redirect_uris: ['https://a.example/cb'] };

  before(async () => {
    server = await startDocumentServer();
    strict = { maxBytes: 1024, timeoutMs: 2000, allowPrivateAddresses: false, ca: server.ca };
    relaxed = { ...strict, allowPrivateAddresses: true };
    server.route('/client.json', json(document, { 'cache-control': 'max-age=300' }));
    server.route('/redirect', (_q, r) => r.writeHead(302, { location: '/client.json' }).end());
    server.route('/missing', (_q, r) => r.writeHead(404, { 'content-type': 'application/json' }).end('{}'));
    server.route('/html', (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<p>hi</p>'));
    server.route('/vendor-json', (_q, r) => r.writeHead(200, { 'content-type': 'application/client-metadata+json; charset=utf-8' }).end('{}'));
    // Announces a large body and sends a little of it: only the Content-Length check refuses it before the time limit.
    server.route('/big-declared', (_q, r) => void r.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' }).write('"a'));
    server.route('/big-chunked', (_q, r) => {
      r.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      const chunk = 'a'.repeat(600);
      let sent = 0;
      const timer = setInterval(() => {
        // Stops on its own: the test only needs more than maxBytes to arrive, and the fetcher to hang up.
        if (r.destroyed || sent++ > 20) return void (clearInterval(timer), r.end());
        r.write(chunk);
      }, 5);
    });
    // Sends the headers and then nothing: only a total time limit ends such a fetch.
    server.route('/slow-body', (_q, r) => void r.writeHead(200, { 'content-type': 'application/json' }).write('{'));
    server.route('/slow-headers', () => {});
  });
  after(() => server.close());

  async function assertRefused(url: string, options: FetchDocumentOptions, message: RegExp) {
    const before = server.requests.length;
    await assert.rejects(fetchDocument(url, options), (e) => e instanceof DocumentFetchError && message.test(e.message));
    return server.requests.length - before;
  }

  describe('address classification', () => {
    const refused = [
      '127.0.0.1', '127.255.0.9', '::1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.10', '169.254.169.254', '169.254.1.1',
      '100.64.0.1', '100.127.255.255', '0.0.0.0', '0.1.2.3', '::', '224.0.0.1', '239.255.255.250', '255.255.255.255', '240.0.0.1',
      'fc00::1', 'fd12:3456::1', 'fd00:ec2::254', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::a00:1',
      '2002:7f00:1::', '2001:db8::1', '192.0.2.1', '198.18.0.1',
    ];
    for (const address of refused) {
      it(`refuses ${address}`, () => assert.ok(refusedAddress(address, false)));
    }
    for (const address of ['93.184.215.14', '8.8.8.8', '100.128.0.1', '172.32.0.1', '2606:4700:4700::1111', '2a00:1450:4001::200e']) {
      it(`allows the public address ${address}`, () => assert.equal(refusedAddress(address, false), undefined));
    }
    describe('IPv6 forms of IPv4 and other special-use IPv6 addresses (issue 10, finding 14b)', () => {
      const forms = [
        '::ffff:7f00:1', '::ffff:127.0.0.1', '0:0:0:0:0:ffff:7f00:1', '::ffff:a00:1', '::ffff:0:0', '::ffff:0.0.0.0', '::ffff:a9fe:a9fe',
        '::ffff:0:7f00:1', '::ffff:0:a00:1', '64:ff9b::7f00:1', '64:ff9b::a00:1', '64:ff9b::c0a8:101', '64:ff9b:1::808:808',
        '2002:7f00:1::1', '2002:a00:1::', '2001:0:4136:e378:8000:63bf:3fff:fdd2', '::', '::1', '::7f00:1', 'fc00::1', 'fdff::1',
        'fe80::1', 'fe80::1%eth0', 'febf::1', 'ff02::1', 'ff0e::1', '3fff::1', '5f00::1', '100::1',
      ];
      for (const address of forms) {
        it(`refuses ${address}`, () => assert.match(refusedAddress(address, false) ?? '', /special-use|metadata/));
      }
      for (const address of ['::ffff:8.8.8.8', '::ffff:808:808', '64:ff9b::808:808']) {
        it(`judges ${address} as the public IPv4 address it embeds`, () => assert.equal(refusedAddress(address, false), undefined));
      }
      it('refuses a metadata service in any IPv6 form, also when private addresses are allowed', () => {
        for (const address of ['::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '::ffff:0:a9fe:a9fe', '64:ff9b::a9fe:a9fe']) {
          assert.match(refusedAddress(address, true) ?? '', /metadata/, address);
        }
      });
    });

    it('allows loopback and private addresses when told to, but never a cloud metadata service', () => {
      for (const address of ['127.0.0.1', '::1', '10.0.0.1', '192.168.0.1']) assert.equal(refusedAddress(address, true), undefined, address);
      assert.match(refusedAddress('169.254.169.254', true)!, /metadata/);
      assert.match(refusedAddress('fd00:ec2::254', true)!, /metadata/);
    });
  });

  describe('refuses without connecting', () => {
    const literals = [
      '127.0.0.1', '[::1]', '10.0.0.1', '192.168.1.10', '169.254.169.254', '[::ffff:127.0.0.1]', '0x7f.1', '2130706433', '[fd00:ec2::254]',
      '[::ffff:7f00:1]', '[::ffff:0:7f00:1]', '[64:ff9b::7f00:1]', '[2002:7f00:1::1]', '[::]', '[fc00::1]', '[fe80::1]', '[ff02::1]', '[::ffff:a9fe:a9fe]',
    ];
    for (const host of literals) {
      it(`refuses the IP literal host ${host}`, async () => {
        const port = /127|7f00|^0x|^2130706433$|^\[::\]$/.test(host) ? `:${server.port}` : '';
        const made = await assertRefused(`https://${host}${port}/client.json`, strict, /special-use|metadata service/);
        assert.equal(made, 0, 'no request reached the server');
      });
    }

    it('refuses a host name that resolves to a loopback address (localhost)', async () => {
      const made = await assertRefused(`https://localhost:${server.port}/client.json`, strict, /resolves to an address that may not be fetched/);
      assert.equal(made, 0);
    });

    it('refuses http and other schemes', async () => {
      await assertRefused(`http://localhost:${server.port}/client.json`, relaxed, /only https/);
      await assertRefused('file:///etc/passwd', relaxed, /only https/);
      await assertRefused('not a url', relaxed, /only https/);
    });
  });

  describe('with private addresses allowed (as in tests)', () => {
    it('fetches the document and returns its body and cache headers', async () => {
      const fetched = await fetchDocument(`https://localhost:${server.port}/client.json`, relaxed);
      assert.deepEqual(JSON.parse(fetched.body), document);
      assert.equal(fetched.headers['cache-control'], 'max-age=300');
      assert.equal(server.requests.at(-1), '/client.json');
    });

    it('accepts a more specific +json content type', async () => {
      assert.equal((await fetchDocument(`https://localhost:${server.port}/vendor-json`, relaxed)).body, '{}');
    });

    it('does not follow a redirect', async () => {
      const made = await assertRefused(`https://localhost:${server.port}/redirect`, relaxed, /redirect \(HTTP 302\)/);
      assert.equal(made, 1, 'the redirect target was not requested');
    });

    it('refuses a status other than 200', async () => {
      await assertRefused(`https://localhost:${server.port}/missing`, relaxed, /HTTP status 404/);
    });

    it('refuses a content type that is not JSON', async () => {
      await assertRefused(`https://localhost:${server.port}/html`, relaxed, /text\/html, not application\/json/);
    });

    it('refuses a body whose Content-Length is over the limit', async () => {
      await assertRefused(`https://localhost:${server.port}/big-declared`, relaxed, /larger than 1024 bytes/);
    });

    it('stops reading a chunked body once it passes the limit', async () => {
      await assertRefused(`https://localhost:${server.port}/big-chunked`, relaxed, /larger than 1024 bytes/);
    });

    for (const path of ['/slow-body', '/slow-headers']) {
      it(`gives up on a server that stalls (${path}) after the time limit`, async () => {
        const started = performance.now();
        await assertRefused(`https://localhost:${server.port}${path}`, { ...relaxed, timeoutMs: 300 }, /longer than 300 ms/);
        const elapsed = performance.now() - started;
        assert.ok(elapsed >= 290 && elapsed < 1500, `took ${elapsed} ms`);
      });
    }

    it('checks the certificate: a server the CA does not vouch for is refused', async () => {
      const { ca: _ca, ...untrusted } = relaxed;
      await assertRefused(`https://localhost:${server.port}/client.json`, untrusted, /could not be fetched|certificate/);
    });
  });
});
