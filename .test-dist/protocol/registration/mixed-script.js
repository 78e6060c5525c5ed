import { prototypeOf } from "./name-skeleton.js";
const scriptCodes = "Adlm Aghb Ahom Arab Armi Armn Avst Bali Bamu Bass Batk Beng Bhks Bopo Brah Brai Bugi Buhd Cakm Cans Cari Cham Cher Chrs Copt Cpmn Cprt Cyrl Deva Diak Dogr Dsrt Dupl Egyp Elba Elym Ethi Gara Geor Glag Gong Gonm Goth Gran Grek Gujr Gukh Guru Hang Hani Hano Hatr Hebr Hira Hluw Hmng Hmnp Hung Ital Java Kali Kana Kawi Khar Khmr Khoj Kits Knda Krai Kthi Lana Laoo Latn Lepc Limb Lina Linb Lisu Lyci Lydi Mahj Maka Mand Mani Marc Medf Mend Merc Mero Mlym Modi Mong Mroo Mtei Mult Mymr Nagm Nand Narb Nbat Newa Nkoo Nshu Ogam Olck Onao Orkh Orya Osge Osma Ougr Palm Pauc Perm Phag Phli Phlp Phnx Plrd Prti Rjng Rohg Runr Samr Sarb Saur Sgnw Shaw Shrd Sidd Sind Sinh Sogd Sogo Sora Soyo Sund Sunu Sylo Syrc Tagb Takr Tale Talu Taml Tang Tavt Telu Tfng Tglg Thaa Thai Tibt Tirh Tnsa Todr Toto Tutg Ugar Vaii Vith Wara Wcho Xpeo Xsux Yezi Yiii Zanb".split(" ");
const scripts = scriptCodes.flatMap((code) => {
  try {
    return [{ code, pattern: new RegExp(`^\\p{Script_Extensions=${code}}$`, "u") }];
  } catch {
    return [];
  }
});
const writingSystems = { Hani: ["Jpan", "Kore", "Hanb"], Hira: ["Jpan"], Kana: ["Jpan"], Hang: ["Kore"], Bopo: ["Hanb"] };
const scriptsByLetter = /* @__PURE__ */ new Map();
const maxCachedLetters = 4096;
function scriptsOf(letter) {
  let found = scriptsByLetter.get(letter);
  if (found === void 0) {
    const codes = /^[A-Za-z]$/.test(letter) ? ["Latn"] : scripts.filter(({ pattern }) => pattern.test(letter)).map(({ code }) => code);
    found = new Set(codes.flatMap((code) => [code, ...writingSystems[code] ?? []]));
    if (scriptsByLetter.size < maxCachedLetters) scriptsByLetter.set(letter, found);
  }
  return found;
}
function intersect(sets) {
  const [first, ...rest] = sets;
  return new Set([...first ?? []].filter((code) => rest.every((set) => set.has(code))));
}
function isHighlyRestrictive(letters) {
  const sets = letters.map(scriptsOf).filter((set) => set.size > 0);
  if (sets.length === 0 || intersect(sets).size > 0) return true;
  const others = intersect(sets.filter((set) => !set.has("Latn")));
  return others.has("Jpan") || others.has("Hanb") || others.has("Kore");
}
function latinReading(letter) {
  if (scriptsOf(letter).has("Latn")) return void 0;
  const prototype = prototypeOf(letter);
  return /^[A-Za-z]+$/.test(prototype) ? prototype : void 0;
}
function mixedScriptReading(name) {
  if (/^[\x00-\x7f]*$/.test(name)) return null;
  let misread = false;
  const reading = name.normalize("NFC").replace(/[\p{L}\p{M}]+/gu, (word) => {
    const letters = [...word].filter((c) => new RegExp("\\p{L}", "u").test(c));
    if (isHighlyRestrictive(letters)) return word;
    const read = [...word].map((c) => latinReading(c) ?? c).join("");
    if (read !== word) misread = true;
    return read;
  });
  return misread ? reading : null;
}
export {
  mixedScriptReading
};
//# sourceMappingURL=mixed-script.js.map
