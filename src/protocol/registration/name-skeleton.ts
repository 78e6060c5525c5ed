/**
 * The "skeleton" of a client name: the words a reader sees, after the disguises a phishing name uses are
 * folded away (compatibility forms, case, accents, look-alike letters from other scripts, digits for letters,
 * invisible characters). Two names with the same skeleton look alike. Hand-written in the spirit of UTS #39
 * §4 rather than taken from a library: the npm packages that ship the confusables table are unmaintained
 * (data from Unicode 12 or older) and fold neither case nor leetspeak, which this check needs, and the few
 * dozen letters that imitate Latin ones are all an attacker has to choose from.
 *
 * @see https://www.unicode.org/reports/tr39/#Confusable_Detection
 */

/**
 * Capital letters of other scripts that look like Latin capitals, mapped before lower-casing: lower-cased, Greek
 * `Η` would become `η`, which looks like `n` while the capital imitated an `H`.
 */
const capitals: Record<string, string> = {
  // Greek
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X',
  // Cyrillic
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', Х: 'X', Ѕ: 'S', І: 'I', Ј: 'J', Ү: 'Y', Ԁ: 'D', Ԛ: 'Q', Ԝ: 'W',
};

/**
 * Lower-case letters that look like a Latin letter. `i` and `l` fold together (with `1`, `|` and dotless `ı`), as
 * in the UTS #39 skeleton: `CIaude` with a capital I reads as Claude in most fonts.
 */
const letters: Record<string, string> = {
  // Cyrillic
  а: 'a', в: 'b', ь: 'b', г: 'r', ԁ: 'd', е: 'e', һ: 'h', н: 'h', і: 'l', ј: 'j', к: 'k', ӏ: 'l', м: 'm', п: 'n', о: 'o',
  р: 'p', ԛ: 'q', с: 'c', ѕ: 's', т: 't', у: 'y', ү: 'y', х: 'x', ԝ: 'w',
  // Greek
  α: 'a', β: 'b', γ: 'y', ε: 'e', ζ: 'z', η: 'n', ι: 'l', κ: 'k', μ: 'u', ν: 'v', ο: 'o', ρ: 'p', ς: 'c', τ: 't', υ: 'u',
  χ: 'x', ω: 'w',
  // Latin look-alikes NFKC leaves alone: script g, alpha, dotless i, small capitals
  ɡ: 'g', ɑ: 'a', ı: 'l', i: 'l', ᴀ: 'a', ʙ: 'b', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e', ɢ: 'g', ʜ: 'h', ɪ: 'l', ᴊ: 'j', ᴋ: 'k', ʟ: 'l',
  ᴍ: 'm', ɴ: 'n', ᴏ: 'o', ᴘ: 'p', ʀ: 'r', ꜱ: 's', ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ʏ: 'y', ᴢ: 'z',
};

/** Digits and symbols written for letters (`C1aude`, `0penAI`, `Cl@ude`). */
const leet: Record<string, string> = { 0: 'o', 1: 'l', 3: 'e', 4: 'a', 5: 's', 7: 't', '@': 'a', $: 's', '|': 'l', '!': 'l' };

/**
 * The words of `name` as skeletons, in order. A word ends wherever the original text had a separator,
 * punctuation, another script's letter or a lower-to-upper case change (`ClaudeHelper`), so that callers can
 * match whole words: `Claudette` stays one word that is not `claude`. Invisible characters (format characters
 * such as zero-width spaces, combining marks) are dropped without ending a word.
 *
 * A digit or symbol can be a disguised letter (`Cl4ude`) or a separator (`Claude3`, `Claude!`); the caller
 * asks for both readings with `leetAsLetters`.
 */
export function nameSkeletonWords(name: string, leetAsLetters: boolean): string[] {
  let text = name.normalize('NFKC').replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2');
  text = [...text].map((c) => capitals[c] ?? c).join('');
  text = text.toLowerCase().normalize('NFD').replace(/[\p{M}\p{Cf}]/gu, '');
  text = [...text].map((c) => letters[c] ?? (leetAsLetters ? (leet[c] ?? c) : c)).join('');
  return text
    .split(/[^a-z]+/)
    .filter(Boolean)
    .map((word) => word.replace(/rn/g, 'm').replace(/vv/g, 'w'));
}

/** The skeleton of a name written as plain words (`Visual Studio Code` → `vlsualstudlocode`), to compare with. */
export function nameSkeleton(name: string): string {
  return nameSkeletonWords(name, true).join('');
}
