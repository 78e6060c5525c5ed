import { createRequire } from "node:module";
const prototypes = new Map(Object.entries(createRequire(import.meta.url)("unhomoglyph/data.json")));
const smallCapitals = {
  "\u1D00": "a",
  \u0299: "b",
  "\u1D04": "c",
  "\u1D05": "d",
  "\u1D07": "e",
  "\uA730": "f",
  \u0262: "g",
  \u029C: "h",
  \u026A: "i",
  "\u1D0A": "j",
  "\u1D0B": "k",
  \u029F: "l",
  "\u1D0D": "m",
  \u0274: "n",
  "\u1D0F": "o",
  "\u1D18": "p",
  \u0280: "r",
  "\uA731": "s",
  "\u1D1B": "t",
  "\u1D1C": "u",
  "\u1D20": "v",
  "\u1D21": "w",
  \u028F: "y",
  "\u1D22": "z",
  \u0138: "k",
  \u028D: "m"
};
const leet = { 0: "o", 1: "l", 3: "e", 4: "a", 5: "s", 7: "t", "@": "a", $: "s", "|": "l", "!": "l" };
const asciiNonLetter = /^[\x00-\x40\x5b-\x60\x7b-\x7f]$/;
function prototypeOf(character) {
  return prototypes.get(character) ?? character;
}
function fold(character) {
  let folded = folds.get(character);
  if (folded === void 0) {
    folded = foldUncached(character);
    if (folds.size < maxCachedFolds) folds.set(character, folded);
  }
  return folded;
}
const folds = /* @__PURE__ */ new Map();
const maxCachedFolds = 4096;
function foldUncached(character) {
  if (asciiNonLetter.test(character)) return character;
  const prototype = prototypes.get(character) ?? [...character.normalize("NFKC")].map(prototypeOf).join("");
  const once = [...prototype].map((c) => smallCapitals[c] ?? c).join("").toLowerCase();
  return [...once].map((c) => asciiNonLetter.test(c) ? c : prototypeOf(smallCapitals[c] ?? c)).join("");
}
function nameSkeletonWords(name, leetAsLetters) {
  const text = name.normalize("NFD").replace(new RegExp("(\\p{Ll}\\p{M}*)(\\p{Lu})", "gu"), "$1 $2");
  const folded = [...text].map(fold).join("").normalize("NFD").replace(/[\p{M}\p{Cf}]/gu, "");
  return [...folded].map((c) => leetAsLetters ? leet[c] ?? c : c).join("").split(/[^a-z]+/).filter(Boolean).map((word) => word.replace(/i/g, "l").replace(/vv/g, "w"));
}
function nameSkeleton(name) {
  return nameSkeletonWords(name, true).join("");
}
export {
  nameSkeleton,
  nameSkeletonWords,
  prototypeOf
};
//# sourceMappingURL=name-skeleton.js.map
