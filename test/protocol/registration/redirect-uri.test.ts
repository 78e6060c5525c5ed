import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OAuthError } from '../../../src/errors/oauth-error.js';
import type { ErrorCode } from '../../../src/errors/codes.js';
import { validateRedirectUri, type RedirectKind } from '../../../src/protocol/registration/redirect-uri.js';

const maxLength = 2000;

/** RFC 6749 §5.2: `error_description` is `1*( %x20-21 / %x23-5B / %x5D-7E )`. */
const errorDescriptionSyntax = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;

/** Asserts that `run` throws an {@link OAuthError} with `code` whose description is RFC 6749 §5.2 text. */
function assertRefused(run: () => unknown, code: ErrorCode): void {
  assert.throws(run, (e) => e instanceof OAuthError && e.code === code && errorDescriptionSyntax.test(e.description));
}

/** A printable name for a test title: control and non-ASCII characters as `\uXXXX`. */
function show(value: string): string {
  const shown = value.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return shown.length > 80 ? `${shown.slice(0, 60)}... (${value.length} characters)` : shown;
}

describe('validateRedirectUri (RFC 7591 §2, RFC 8252, OAuth 2.1 §7.5)', () => {
  describe('accepts', () => {
    const accepted: [string, string, RedirectKind][] = [
      ['an https URI', 'https://client.example.com/callback', 'https'],
      ['an https URI with a port, query and percent-encoding', 'https://client.example.com:8443/cb?x=1&y=%20z', 'https'],
      ['an https URI without a path', 'https://client.example.com', 'https'],
      ['an https URI with an upper-case scheme', 'HTTPS://client.example.com/cb', 'https'],
      ['Claude\'s callback', 'https://claude.ai/api/mcp/auth_callback', 'https'],
      ['http on 127.0.0.1 without a port', 'http://127.0.0.1/', 'loopback'],
      ['http on 127.0.0.1 with a port', 'http://127.0.0.1:33418/', 'loopback'],
      ['http on [::1] without a port', 'http://[::1]/callback', 'loopback'],
      ['http on [::1] with a port', 'http://[::1]:8080/callback', 'loopback'],
      ['http on localhost without a port', 'http://localhost/callback', 'loopback'],
      ['http on localhost with a port', 'http://localhost:6274/oauth/callback', 'loopback'],
      ['http on localhost without a path', 'http://localhost:8787', 'loopback'],
      ['http on LOCALHOST in upper case', 'http://LOCALHOST:3000/callback', 'loopback'],
      ['a reverse-domain private-use scheme (RFC 8252 §7.1)', 'com.example.app:/cb', 'private-use'],
      ['Cursor\'s private-use scheme', 'cursor://anysphere.cursor-mcp/oauth/callback', 'private-use'],
      ['VS Code\'s private-use scheme', 'vscode://x/y', 'private-use'],
      ['a private-use scheme with a query', 'com.example.app:/cb?from=app', 'private-use'],
    ];
    for (const [what, uri, kind] of accepted) {
      it(`${what} (${uri}) as ${kind}`, () => {
        assert.equal(validateRedirectUri(uri, maxLength), kind);
      });
    }

    it('a URI exactly as long as the configured limit', () => {
      const uri = `https://client.example.com/${'a'.repeat(100 - 'https://client.example.com/'.length)}`;
      assert.equal(uri.length, 100);
      assert.equal(validateRedirectUri(uri, 100), 'https');
    });
  });

  describe('rejects (invalid_redirect_uri)', () => {
    const refused: [string, string][] = [
      // Missing or not absolute.
      ['an empty string', ''],
      ['a relative path', '/callback'],
      ['a host without a scheme', 'client.example.com/callback'],
      ['a network-path reference', '//client.example.com/callback'],
      ['a scheme with nothing after it', 'com.example.app:'],
      ['a string with no scheme at all', 'callback'],
      ['a scheme starting with a digit', '1app:/cb'],
      ['localhost and a port without a scheme', 'localhost:8080/callback'],
      ['a host and port without a scheme', 'client.example.com:443/cb'],
      // Fragments (RFC 6749 §3.1.2).
      ['a fragment', 'https://client.example.com/cb#frag'],
      ['an empty fragment', 'https://client.example.com/cb#'],
      ['a fragment on a private-use URI', 'com.example.app:/cb#x'],
      // User information.
      ['userinfo on https', 'https://user@client.example.com/cb'],
      ['userinfo with a password on https', 'https://user:pass@client.example.com/cb'],
      ['userinfo that looks like a trusted host', 'https://client.example.com@evil.example/cb'],
      ['userinfo on a loopback http URI', 'http://user@127.0.0.1/cb'],
      ['userinfo on localhost that is not a loopback redirect', 'http://localhost@evil.example/cb'],
      ['userinfo on a private-use URI', 'cursor://user@anysphere.cursor-mcp/oauth/callback'],
      // http on other hosts (RFC 8252 §8.3, OAuth 2.1 §7.5.1).
      ['http on a public host', 'http://client.example.com/cb'],
      ['http on a host that starts with localhost', 'http://localhost.evil.example/cb'],
      ['http on a host that starts with 127.0.0.1', 'http://127.0.0.1.evil.example/cb'],
      ['http on a private address', 'http://192.168.1.10/cb'],
      ['http on 0.0.0.0', 'http://0.0.0.0/cb'],
      ['http on a short form of 127.0.0.1 (not repaired)', 'http://127.1/cb'],
      ['http on an expanded form of ::1 (not repaired)', 'http://[0:0:0:0:0:0:0:1]/cb'],
      ['http on a percent-encoded localhost', 'http://%6Cocalhost/cb'],
      ['http with an empty port', 'http://localhost:/cb'],
      ['https with a port out of range', 'https://client.example.com:70000/cb'],
      // Dangerous schemes, in any case.
      ['the javascript scheme', 'javascript:alert(1)'],
      ['the JavaScript scheme in mixed case', 'JavaScript:alert(1)'],
      ['the JAVASCRIPT scheme in upper case', 'JAVASCRIPT://x/%0Aalert(1)'],
      ['the javascript scheme with an authority', 'javascript://client.example.com/%0Aalert(1)'],
      ['the livescript scheme', 'livescript:alert(1)'],
      ['the data scheme', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='],
      ['the Data scheme in mixed case', 'Data:text/html,x'],
      ['the file scheme', 'file:///etc/passwd'],
      ['the FILE scheme in upper case', 'FILE://localhost/etc/passwd'],
      ['the vbscript scheme', 'vbscript:msgbox(1)'],
      ['the VBScript scheme in mixed case', 'VBScript:msgbox(1)'],
      ['the blob scheme', 'blob:https://client.example.com/0b8f0c3a'],
      ['the about scheme', 'about:blank'],
      ['the filesystem scheme', 'filesystem:https://client.example.com/temporary/x'],
      ['the view-source scheme', 'view-source:https://client.example.com/'],
      ['the mailto scheme', 'mailto:ops@client.example.com'],
      ['the tel scheme', 'tel:+15555550100'],
      ['the sms scheme', 'sms:+15555550100'],
      ['the ftp scheme', 'ftp://client.example.com/cb'],
      ['the ws scheme', 'ws://localhost/cb'],
      ['the wss scheme', 'wss://client.example.com/cb'],
      ['the urn scheme', 'urn:ietf:wg:oauth:2.0:oob'],
      ['the jar scheme', 'jar:https://client.example.com/a.jar!/x'],
      ['the intent scheme', 'intent://cb#Intent;scheme=https;end'],
      ['the content scheme', 'content://com.example.provider/cb'],
      ['the mhtml scheme', 'mhtml:https://client.example.com/a.mht!x'],
      ['the ms-msdt scheme', 'ms-msdt:/id/PCWDiagnostic'],
      ['the search-ms scheme', 'search-ms:query=x'],
      ['the smb scheme', 'smb://evil.example/share'],
      // Wildcards (exact matching, RFC 9700 §4.1.3).
      ['a wildcard host', 'https://*.client.example.com/cb'],
      ['a wildcard path', 'https://client.example.com/*'],
      ['a wildcard port', 'http://localhost:*/cb'],
      // Characters outside RFC 3986, refused rather than repaired.
      ['a carriage return', 'https://client.example.com/cb\r'],
      ['a line feed', 'https://client.example.com/c\nb'],
      ['CR LF in the middle (header injection)', 'https://client.example.com/cb\r\nSet-Cookie: x=1'],
      ['a tab', 'https://client.example.com/\tcb'],
      ['a leading space', ' https://client.example.com/cb'],
      ['a trailing space', 'https://client.example.com/cb '],
      ['a space in the path', 'https://client.example.com/c b'],
      ['a backslash in the authority', 'https://client.example.com\\@evil.example/cb'],
      ['backslashes instead of slashes', 'https:\\\\client.example.com\\cb'],
      ['a NUL character', 'https://client.example.com/cb\u0000'],
      ['a double quote', 'https://client.example.com/"cb"'],
      ['angle brackets', 'https://client.example.com/<script>'],
      ['a non-ASCII host (IDN not encoded)', 'https://bücher.example/cb'],
      ['a non-ASCII path', 'https://client.example.com/caf\u00e9'],
      ['a right-to-left override', 'https://client.example.com/\u202ecb'],
      ['a lone surrogate', 'https://client.example.com/\ud800'],
      ['a curly brace', 'https://client.example.com/{cb}'],
      ['a caret, pipe and backtick', 'https://client.example.com/^|`'],
      // Scheme-relative and mangled slashes, refused rather than repaired.
      ['https:host (no slashes)', 'https:client.example.com/cb'],
      ['https:/host (one slash)', 'https:/client.example.com/cb'],
      ['https:///host (three slashes)', 'https:///client.example.com/cb'],
      ['http:host on localhost (no slashes)', 'http:localhost/cb'],
      ['http:/host on localhost (one slash)', 'http:/localhost/cb'],
      ['http:///host on localhost (three slashes)', 'http:///localhost/cb'],
      ['https with no host', 'https:///cb'],
      ['https with only a port', 'https://:443/cb'],
      // Percent-encoding (RFC 3986 §2.1).
      ['a percent sign not followed by two hex digits', 'https://client.example.com/100%'],
      ['a percent-encoding with one hex digit', 'https://client.example.com/%4'],
      ['a percent-encoding with a non-hex digit', 'https://client.example.com/%4G'],
      ['a percent-encoding of non-hex letters', 'https://client.example.com/%zz'],
      ['a malformed percent-encoding in a private-use URI', 'com.example.app:/cb%'],
      // Percent-encoding in a host: a deny-list reads `evil%2eexample`, the browser goes to evil.example.
      ['a percent-encoded dot in the host', 'https://evil%2eexample/cb'],
      ['a percent-encoded letter in the host', 'https://%65vil.example/cb'],
      ['a percent-encoded host with a port', 'https://evil%2Eexample:8443/cb'],
      ['a percent-encoded loopback host', 'http://127.0.0%2e1/cb'],
      ['a percent-encoded host in a private-use URI', 'cursor://evil%2eexample/cb'],
    ];
    for (const [what, uri] of refused) {
      it(`rejects a redirect_uri with ${what}: ${show(uri)} (invalid_redirect_uri)`, () => {
        assertRefused(() => validateRedirectUri(uri, maxLength), 'invalid_redirect_uri');
      });
    }

    it('rejects a redirect_uri longer than the configured length (invalid_redirect_uri)', () => {
      const uri = `https://client.example.com/${'a'.repeat(101 - 'https://client.example.com/'.length)}`;
      assert.equal(uri.length, 101);
      assertRefused(() => validateRedirectUri(uri, 100), 'invalid_redirect_uri');
    });

    it('rejects a very long redirect_uri without echoing it (invalid_redirect_uri)', () => {
      const uri = `https://client.example.com/${'"\\'.repeat(50_000)}`;
      assert.throws(
        () => validateRedirectUri(uri, maxLength),
        (e) => e instanceof OAuthError && e.code === 'invalid_redirect_uri' && e.description.length < 200,
      );
    });
  });

  describe('error descriptions', () => {
    it('name the field by its label, not by the value', () => {
      assert.throws(
        () => validateRedirectUri('javascript:alert("x")', maxLength, 'redirect_uris[2]'),
        (e) => e instanceof OAuthError && e.description.startsWith('redirect_uris[2] ') && !e.description.includes('alert'),
      );
    });

    it('say redirect_uri when no label is given', () => {
      assert.throws(
        () => validateRedirectUri('https://client.example.com/#x', maxLength),
        (e) => e instanceof OAuthError && e.description.startsWith('redirect_uri '),
      );
    });
  });
});
