import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OAuthError } from '../../src/errors/oauth-error.js';
import { decodeUtf8, parseJsonObject } from '../../src/http/json-body.js';

/** RFC 6749 §5.2: `error_description` is `1*( %x20-21 / %x23-5B / %x5D-7E )`. */
const errorDescriptionSyntax = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;

/** Asserts that parsing `text` is refused with `invalid_request` and an RFC 6749 §5.2 description. */
function assertRefused(text: string): OAuthError {
  let error: unknown;
  assert.throws(
    () => parseJsonObject(text),
    (e) => {
      error = e;
      return e instanceof OAuthError && e.code === 'invalid_request' && errorDescriptionSyntax.test(e.description);
    },
  );
  return error as OAuthError;
}

/** A printable name for a test title. */
function show(text: string): string {
  const shown = JSON.stringify(text).slice(1, -1);
  return shown.length > 70 ? `${shown.slice(0, 50)}... (${text.length} characters)` : shown;
}

/** `depth` nested containers: an object at the top, then arrays. */
function nested(depth: number): string {
  return `{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
}

describe('parseJsonObject', () => {
  describe('accepts one JSON object and returns it', () => {
    const accepted: [string, string, Record<string, unknown>][] = [
      ['an empty object', '{}', {}],
      ['a registration request', '{"client_name":"Claude","redirect_uris":["https://claude.ai/api/mcp/auth_callback"]}', {
        client_name: 'Claude',
        redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
      }],
      ['surrounding whitespace', ' \r\n\t{"a":1}\n ', { a: 1 }],
      ['the same name in different objects', '{"a":{"a":1,"b":{"a":2}},"b":[{"a":3},{"a":4}]}', {
        a: { a: 1, b: { a: 2 } },
        b: [{ a: 3 }, { a: 4 }],
      }],
      ['the same name in sibling objects of an array', '{"keys":[{"kty":"EC"},{"kty":"RSA"}]}', { keys: [{ kty: 'EC' }, { kty: 'RSA' }] }],
      ['names that differ only in case', '{"scope":"a","Scope":"b","SCOPE":"c"}', { scope: 'a', Scope: 'b', SCOPE: 'c' }],
      ['a string value equal to a member name', '{"a":"a","b":"a"}', { a: 'a', b: 'a' }],
      ['braces and brackets inside strings', '{"a":"{[}]","b":"}}}]]]{{{"}', { a: '{[}]', b: '}}}]]]{{{' }],
      ['escaped quotes inside strings', '{"a":"say \\"hi\\"","b":"\\"","c":"\\\\"}', { a: 'say "hi"', b: '"', c: '\\' }],
      ['an escaped quote then a colon and comma in a value', '{"a":"\\",\\"a\\":","b":1}', { a: '","a":', b: 1 }],
      ['an escaped quote in a member name', '{"a\\"b":1,"a":2,"b":3}', { 'a"b': 1, a: 2, b: 3 }],
      ['a member name ending in an escaped backslash', '{"a\\\\":1,"a":2}', { 'a\\': 1, a: 2 }],
      ['unicode escapes in names and values', '{"\\u00e9":"\\ud83d\\ude80","e":"\\u0041"}', { é: '\u{1F680}', e: 'A' }],
      ['empty nested containers', '{"a":{},"b":[],"c":[{}],"d":[[]],"e":{"f":{}}}', { a: {}, b: [], c: [{}], d: [[]], e: { f: {} } }],
      ['literals and numbers', '{"a":null,"b":true,"c":false,"d":-1.5e3,"e":0}', { a: null, b: true, c: false, d: -1500, e: 0 }],
      ['an empty member name', '{"":1}', { '': 1 }],
    ];
    for (const [what, text, expected] of accepted) {
      it(`accepts ${what}: ${show(text)}`, () => {
        assert.deepEqual(parseJsonObject(text), expected);
      });
    }

    it('keeps __proto__ as an own member, not the prototype', () => {
      const value = parseJsonObject('{"__proto__":{"admin":true}}');
      assert.equal(Object.getPrototypeOf(value), Object.prototype);
      assert.deepEqual(Object.getOwnPropertyDescriptor(value, '__proto__')?.value, { admin: true });
      assert.equal((value as { admin?: unknown }).admin, undefined);
    });

    it('accepts nesting of exactly 16 containers', () => {
      assert.ok(parseJsonObject(nested(16)));
    });

    it('accepts a JWK Set as deep as registration needs (jwks.keys[i].x5c[j])', () => {
      assert.deepEqual(parseJsonObject('{"jwks":{"keys":[{"kty":"RSA","x5c":["MIIB"]}]}}'), {
        jwks: { keys: [{ kty: 'RSA', x5c: ['MIIB'] }] },
      });
    });
  });

  describe('rejects duplicate member names (RFC 8259 §4, invalid_request)', () => {
    const duplicates: [string, string][] = [
      ['a repeated top-level name', '{"client_name":"a","client_name":"b"}'],
      ['a repeated name with the same value', '{"a":1,"a":1}'],
      ['a repeated name far apart', '{"a":1,"b":2,"c":[1,{"d":3}],"e":{"f":4},"a":5}'],
      ['a name spelled once plainly and once with \\u escapes', '{"client_name":"a","client\\u005fname":"b"}'],
      ['a name spelled with an escaped first letter', '{"redirect_uris":[],"\\u0072edirect_uris":["x"]}'],
      ['a name spelled with different escapes', '{"\\u0061":1,"\\u0061":2}'],
      ['a name spelled with upper- and lower-case hex escapes', '{"\\u00E9":1,"\\u00e9":2}'],
      ['a name spelled with an escaped solidus', '{"a/b":1,"a\\/b":2}'],
      ['a non-BMP name spelled plainly and as a surrogate pair', '{"\u{1F680}":1,"\\ud83d\\ude80":2}'],
      ['a repeated name after a nested object', '{"a":{"x":1},"a":2}'],
      ['a repeated name after an empty object', '{"a":{},"a":2}'],
      ['a repeated name after an empty array', '{"a":[],"a":2}'],
      ['a repeated name after nested arrays of objects', '{"a":[[{"b":1}],{}],"a":2}'],
      ['a repeated name in a nested object', '{"jwks":{"keys":[],"keys":[]}}'],
      ['a repeated name in an object inside an array', '{"jwks":{"keys":[{"kty":"EC","kty":"RSA"}]}}'],
      ['a repeated name in the second object of an array', '{"k":[{"a":1},{"a":1,"a":2}]}'],
      ['a repeated name after a value with braces and quotes', '{"a":"}{\\"a\\":","a":2}'],
      ['a repeated name after a value ending in an escaped backslash', '{"a":"x\\\\","a":2}'],
      ['a repeated name containing an escaped quote', '{"a\\"b":1,"a\\u0022b":2}'],
      ['a repeated empty name', '{"":1,"":2}'],
      ['a repeated __proto__', '{"__proto__":{},"__proto__":{"admin":true}}'],
      ['a repeated name with whitespace around it', '{ "a" : 1 ,\n\t"a" : 2 }'],
    ];
    for (const [what, text] of duplicates) {
      it(`rejects ${what}: ${show(text)} (invalid_request)`, () => {
        assertRefused(text);
      });
    }

    it('names the repeated member in the description', () => {
      assert.match(assertRefused('{"client_name":"a","client\\u005fname":"b"}').description, /client_name/);
    });

    it('keeps quotes, backslashes and control characters of a repeated name out of the description', () => {
      const error = assertRefused('{"a\\"\\\\\\n\\u00e9":1,"a\\"\\\\\\n\\u00e9":2}');
      assert.doesNotMatch(error.description, /["\\\n]/);
    });

    it('shortens a long repeated name in the description', () => {
      const name = 'n'.repeat(10_000);
      assert.ok(assertRefused(`{"${name}":1,"${name}":2}`).description.length < 200);
    });
  });

  describe('rejects deep nesting (invalid_request)', () => {
    for (const depth of [17, 100, 100_000]) {
      it(`rejects ${depth} nested containers (invalid_request)`, () => {
        assertRefused(nested(depth));
      });
    }

    it('rejects deeply nested objects (invalid_request)', () => {
      assertRefused(`${'{"a":'.repeat(17)}1${'}'.repeat(17)}`);
    });

    it('does not count brackets inside strings as nesting', () => {
      const text = `{"a":"${'['.repeat(100)}${'{'.repeat(100)}"}`;
      assert.deepEqual(parseJsonObject(text), { a: `${'['.repeat(100)}${'{'.repeat(100)}` });
    });
  });

  describe('rejects what is not one JSON object (invalid_request)', () => {
    const notObjects: [string, string][] = [
      ['an array', '[]'],
      ['an array of objects', '[{"client_name":"a"}]'],
      ['a string', '"{}"'],
      ['a number', '42'],
      ['null', 'null'],
      ['true', 'true'],
      ['false', 'false'],
    ];
    for (const [what, text] of notObjects) {
      it(`rejects ${what}: ${show(text)} (invalid_request)`, () => {
        assertRefused(text);
      });
    }

    const invalid: [string, string][] = [
      ['an empty body', ''],
      ['only whitespace', '  \n'],
      ['an unclosed object', '{"a":1'],
      ['an unclosed string', '{"a":"b}'],
      ['single quotes', "{'a':1}"],
      ['an unquoted name', '{a:1}'],
      ['a trailing comma', '{"a":1,}'],
      ['a comment', '{"a":1 /* c */}'],
      ['two objects', '{}{}'],
      ['an object followed by text', '{"a":1} x'],
      ['NaN', '{"a":NaN}'],
      ['a raw control character in a string', '{"a":"b\u0001c"}'],
      ['a raw newline in a string', '{"a":"b\nc"}'],
      ['an invalid escape', '{"a":"\\x41"}'],
      ['a short unicode escape', '{"a":"\\u12"}'],
      ['a byte-order mark before the object', '\ufeff{"a":1}'],
      ['form-encoded data', 'client_name=a&redirect_uris=b'],
      ['a missing value', '{"a":}'],
    ];
    for (const [what, text] of invalid) {
      it(`rejects ${what}: ${show(text)} (invalid_request)`, () => {
        assertRefused(text);
      });
    }
  });
});

describe('decodeUtf8 (RFC 8259 §8.1)', () => {
  it('decodes UTF-8 text, including non-ASCII characters', () => {
    assert.equal(decodeUtf8(Buffer.from('{"client_name":"Café ☕"}', 'utf8')), '{"client_name":"Café ☕"}');
  });
  for (const [what, bytes] of [
    ['a lone 0xFF byte', [0x7b, 0x22, 0xff, 0x22, 0x7d]],
    ['a truncated multi-byte sequence', [0x22, 0xe2, 0x82, 0x22]],
    ['an overlong encoding of /', [0x22, 0xc0, 0xaf, 0x22]],
    ['an encoded surrogate', [0x22, 0xed, 0xa0, 0x80, 0x22]],
  ] as const) {
    it(`refuses ${what} (invalid_request)`, () => {
      assert.throws(() => decodeUtf8(Buffer.from(bytes)), (e) => e instanceof OAuthError && e.code === 'invalid_request');
    });
  }
});
