import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemRandom, uuidV7 } from '../src/system.js';

describe('time-ordered ids (UUIDv7, RFC 9562 §5.7)', () => {
  it("matches RFC 9562's example (Appendix A.6) from its time and random bits", () => {
    const random = Buffer.from([0x0c, 0xc3, 0x18, 0xc4, 0xdc, 0x0c, 0x0c, 0x07, 0x39, 0x8f]);
    assert.equal(uuidV7(0x017f22e279b0, random), '017f22e2-79b0-7cc3-98c4-dc0c0c07398f');
  });

  it('sorts ids of later milliseconds after earlier ones, as text, whatever their random bits', () => {
    const ids = Array.from({ length: 200 }, (_, i) => systemRandom.timeOrderedUuid(1_800_000_000_000 + Math.floor(i / 4)));
    for (let i = 4; i < ids.length; i += 4) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
    assert.equal(new Set(ids).size, ids.length, 'ids of one millisecond differ');
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
