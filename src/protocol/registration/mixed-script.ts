import { prototypeOf } from './name-skeleton.js';

/**
 * Mixed-script detection (UTS #39 §5) for client names: a word that mixes Latin letters with look-alike letters
 * of another script (`Yоur Bаnk` with Cyrillic `о` and `а`) is written to be misread, whatever it imitates.
 */

/**
 * Unicode's scripts by their ISO 15924 codes (PropertyValueAliases.txt, `sc`, Unicode 17), without Common,
 * Inherited and Unknown. A code the runtime's Unicode data does not know yet is skipped: its letters are
 * Unknown there, and count like Common ones.
 */
const scriptCodes = (
  'Adlm Aghb Ahom Arab Armi Armn Avst Bali Bamu Bass Batk Beng Bhks Bopo Brah Brai Bugi Buhd Cakm Cans Cari Cham Cher ' +
  'Chrs Copt Cpmn Cprt Cyrl Deva Diak Dogr Dsrt Dupl Egyp Elba Elym Ethi Gara Geor Glag Gong Gonm Goth Gran Grek Gujr ' +
  'Gukh Guru Hang Hani Hano Hatr Hebr Hira Hluw Hmng Hmnp Hung Ital Java Kali Kana Kawi Khar Khmr Khoj Kits Knda Krai ' +
  'Kthi Lana Laoo Latn Lepc Limb Lina Linb Lisu Lyci Lydi Mahj Maka Mand Mani Marc Medf Mend Merc Mero Mlym Modi Mong ' +
  'Mroo Mtei Mult Mymr Nagm Nand Narb Nbat Newa Nkoo Nshu Ogam Olck Onao Orkh Orya Osge Osma Ougr Palm Pauc Perm Phag ' +
  'Phli Phlp Phnx Plrd Prti Rjng Rohg Runr Samr Sarb Saur Sgnw Shaw Shrd Sidd Sind Sinh Sogd Sogo Sora Soyo Sund Sunu ' +
  'Sylo Syrc Tagb Takr Tale Talu Taml Tang Tavt Telu Tfng Tglg Thaa Thai Tibt Tirh Tnsa Todr Toto Tutg Ugar Vaii Vith ' +
  'Wara Wcho Xpeo Xsux Yezi Yiii Zanb'
).split(' ');

const scripts = scriptCodes.flatMap((code) => {
  try {
    return [{ code, pattern: new RegExp(`^\\p{Script_Extensions=${code}}$`, 'u') }];
  } catch {
    return [];
  }
});

/**
 * UTS #39 §5.1: scripts that are written together count as one (Japanese mixes Han, Hiragana and Katakana; Korean
 * Han and Hangul; Chinese Han and Bopomofo), by adding the writing system to each of its scripts.
 */
const writingSystems: Record<string, string[]> = { Hani: ['Jpan', 'Kore', 'Hanb'], Hira: ['Jpan'], Kana: ['Jpan'], Hang: ['Kore'], Bopo: ['Hanb'] };

/** Letters classified so far, bounded like the skeleton's folds: each classification tests every script. */
const scriptsByLetter = new Map<string, Set<string>>();
const maxCachedLetters = 4096;

/** A letter's scripts (its Script_Extensions, augmented); empty for Common, Inherited and Unknown letters. */
function scriptsOf(letter: string): Set<string> {
  let found = scriptsByLetter.get(letter);
  if (found === undefined) {
    const codes = /^[A-Za-z]$/.test(letter) ? ['Latn'] : scripts.filter(({ pattern }) => pattern.test(letter)).map(({ code }) => code);
    found = new Set(codes.flatMap((code) => [code, ...(writingSystems[code] ?? [])]));
    if (scriptsByLetter.size < maxCachedLetters) scriptsByLetter.set(letter, found);
  }
  return found;
}

function intersect(sets: Set<string>[]): Set<string> {
  const [first, ...rest] = sets;
  return new Set([...(first ?? [])].filter((code) => rest.every((set) => set.has(code))));
}

/**
 * UTS #39 §5.2 "Highly Restrictive": the letters are of one script, or Latin with one of the writing systems
 * that are mixed with Latin in everyday use (Japanese, Chinese with Bopomofo, Korean).
 */
function isHighlyRestrictive(letters: string[]): boolean {
  const sets = letters.map(scriptsOf).filter((set) => set.size > 0);
  if (sets.length === 0 || intersect(sets).size > 0) return true;
  const others = intersect(sets.filter((set) => !set.has('Latn')));
  return others.has('Jpan') || others.has('Hanb') || others.has('Kore');
}

/** The Latin letters a non-Latin letter imitates (its UTS #39 prototype), or undefined when it imitates none. */
function latinReading(letter: string): string | undefined {
  if (scriptsOf(letter).has('Latn')) return undefined;
  const prototype = prototypeOf(letter);
  return /^[A-Za-z]+$/.test(prototype) ? prototype : undefined;
}

/**
 * How `name` reads when some word of it mixes scripts (it is not UTS #39 "Highly Restrictive") and has letters of
 * another script that imitate Latin ones: those letters replaced by the Latin letters they imitate (`Yоur Bаnk`
 * with Cyrillic letters reads `Your Bank`). Null for a name without such a word: one script per word (`Café`,
 * `Помощник для Teams`), Latin with Japanese in one word, or a mix whose letters imitate nothing Latin.
 *
 * @see https://www.unicode.org/reports/tr39/#Mixed_Script_Detection
 * @see https://www.unicode.org/reports/tr39/#Restriction_Level_Detection
 */
export function mixedScriptReading(name: string): string | null {
  if (/^[\x00-\x7f]*$/.test(name)) return null;
  let misread = false;
  const reading = name.normalize('NFC').replace(/[\p{L}\p{M}]+/gu, (word) => {
    const letters = [...word].filter((c) => /\p{L}/u.test(c));
    if (isHighlyRestrictive(letters)) return word;
    const read = [...word].map((c) => latinReading(c) ?? c).join('');
    if (read !== word) misread = true;
    return read;
  });
  return misread ? reading : null;
}
