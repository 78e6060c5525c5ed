import { createRequire } from 'node:module';

/**
 * The "skeleton" of a client name: the words a reader sees, after the disguises a phishing name uses are
 * folded away. Two names with the same skeleton look alike. Built on the Unicode confusables data of UTS #39
 * (`confusables.txt`, as shipped by the `unhomoglyph` package: each confusable character and its prototype, the
 * character it is mistaken for), plus what that data leaves out on purpose and a name check needs: case
 * (UTS #39 is case-sensitive), small capitals, and digits or symbols written for letters (`C1aude`).
 *
 * @see https://www.unicode.org/reports/tr39/#Confusable_Detection
 */

/**
 * Each confusable character's prototype, from UTS #39 `confusables.txt` (every source is one code point). The
 * package ships it as a JSON object; `require` types it as `any`, so it is read as the string map it is.
 */
const prototypes = new Map(Object.entries(createRequire(import.meta.url)('unhomoglyph/data.json') as Record<string, string>));

/**
 * Small capitals, which UTS #39 keeps apart from the letters they are the small forms of (`ᴀ` is no confusable of
 * `a`: it is shaped like `A`), and the prototypes UTS #39 chose for two small-capital groups (`ĸ` for `ᴋ` and
 * Cyrillic `к`, `ʍ` for `ᴍ` and Cyrillic `м`). A reader takes each for its letter, in any case.
 */
const smallCapitals: Record<string, string> = {
  ᴀ: 'a', ʙ: 'b', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e', ꜰ: 'f', ɢ: 'g', ʜ: 'h', ɪ: 'i', ᴊ: 'j', ᴋ: 'k', ʟ: 'l', ᴍ: 'm', ɴ: 'n',
  ᴏ: 'o', ᴘ: 'p', ʀ: 'r', ꜱ: 's', ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ʏ: 'y', ᴢ: 'z', ĸ: 'k', ʍ: 'm',
};

/** Digits and symbols written for letters (`C1aude`, `0penAI`, `Cl@ude`): leetspeak, which UTS #39 does not cover. */
const leet: Record<string, string> = { 0: 'o', 1: 'l', 3: 'e', 4: 'a', 5: 's', 7: 't', '@': 'a', $: 's', '|': 'l', '!': 'l' };

/** An ASCII digit or symbol: a separator or, read as leetspeak, a letter; never mapped through the confusables data. */
const asciiNonLetter = /^[\x00-\x40\x5b-\x60\x7b-\x7f]$/;

/**
 * The UTS #39 prototype of one character, or the character itself. Exported for the mixed-script check, which
 * reads a name's foreign letters as the Latin ones they imitate.
 */
export function prototypeOf(character: string): string {
  return prototypes.get(character) ?? character;
}

/**
 * One character folded: its prototype (or, for a character the data does not list, its compatibility form, so
 * that ligatures and other presentation forms count too), small capitals as letters, lower-cased, and the
 * prototype of that again. Prototypes are fixed points of the data, but case and small capitals are not in it:
 * Greek `Η` has the prototype `H`, which lower-cases to `h`; Cyrillic `м` has `ʍ`, a small capital M, which is
 * `m`, whose prototype is `rn`. The prototype is taken before lower-casing, because lower-cased, `Η` would become
 * `η`, which imitates `n`; and before the compatibility form, because that of Greek `Ϲ` is `Σ`, not `C`.
 */
function fold(character: string): string {
  let folded = folds.get(character);
  if (folded === undefined) {
    folded = foldUncached(character);
    // Bounded: a name of rare characters must not grow the cache for ever.
    if (folds.size < maxCachedFolds) folds.set(character, folded);
  }
  return folded;
}

/** Characters folded so far: registration checks every name, and names repeat their few dozen characters. */
const folds = new Map<string, string>();
const maxCachedFolds = 4096;

function foldUncached(character: string): string {
  if (asciiNonLetter.test(character)) return character;
  const prototype = prototypes.get(character) ?? [...character.normalize('NFKC')].map(prototypeOf).join('');
  const once = [...prototype].map((c) => smallCapitals[c] ?? c).join('').toLowerCase();
  return [...once].map((c) => (asciiNonLetter.test(c) ? c : prototypeOf(smallCapitals[c] ?? c))).join('');
}

/**
 * The words of `name` as skeletons, in order. A word ends wherever the original text had a separator,
 * punctuation, a character that imitates no letter or a lower-to-upper case change (`ClaudeHelper`), so that
 * callers can match whole words: `Claudette` stays one word that is not `claude`. Invisible characters (format
 * characters such as zero-width spaces, combining marks) are dropped without ending a word.
 *
 * A digit or symbol can be a disguised letter (`Cl4ude`) or a separator (`Claude3`, `Claude!`); the caller
 * asks for both readings with `leetAsLetters`. Lower-case `i` and `l` fold together, as `1` and `|` do: in
 * the sans-serif fonts of consent pages a capital `I`, an `l` and a Cyrillic palochka are one stroke.
 */
export function nameSkeletonWords(name: string, leetAsLetters: boolean): string[] {
  // UTS #39 §4 works on NFD: accents come apart from their letters, and marks are dropped below.
  const text = name.normalize('NFD').replace(/(\p{Ll}\p{M}*)(\p{Lu})/gu, '$1 $2');
  const folded = [...text].map(fold).join('').normalize('NFD').replace(/[\p{M}\p{Cf}]/gu, '');
  return [...folded]
    .map((c) => (leetAsLetters ? (leet[c] ?? c) : c))
    .join('')
    .split(/[^a-z]+/)
    .filter(Boolean)
    .map((word) => word.replace(/i/g, 'l').replace(/vv/g, 'w'));
}

/** The skeleton of a name written as plain words (`Visual Studio Code` → `vlsualstudlocode`), to compare with. */
export function nameSkeleton(name: string): string {
  return nameSkeletonWords(name, true).join('');
}
