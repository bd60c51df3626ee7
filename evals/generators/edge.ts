import type { CaseGenerator } from './case-generator.js';
import type { Random } from './seeded-random.js';

/** Edge-case generators: odd but legitimate input a deployed model will meet. */

const KEYBOARD_NEIGHBOURS: Record<string, string> = {
  a: 'qwsz',
  b: 'vghn',
  c: 'xdfv',
  d: 'serfcx',
  e: 'wsdr',
  f: 'drtgvc',
  g: 'ftyhbv',
  h: 'gyujnb',
  i: 'ujko',
  j: 'huikmn',
  k: 'jiolm',
  l: 'kop',
  m: 'njk',
  n: 'bhjm',
  o: 'iklp',
  p: 'ol',
  q: 'wa',
  r: 'edft',
  s: 'awedxz',
  t: 'rfgy',
  u: 'yhji',
  v: 'cfgb',
  w: 'qase',
  x: 'zsdc',
  y: 'tghu',
  z: 'asx',
};

// Latin letters and their Cyrillic or Greek look-alikes.
const CONFUSABLES: Record<string, string> = {
  a: 'а',
  c: 'с',
  e: 'е',
  o: 'о',
  p: 'р',
  x: 'х',
  y: 'у',
  i: 'і',
  A: 'А',
  B: 'В',
  E: 'Е',
  H: 'Н',
  K: 'К',
  M: 'М',
  O: 'О',
  P: 'Р',
  T: 'Т',
  X: 'Х',
};

const EMOJI = ['😀', '🙏', '🔥', '💳', '✈️', '👍🏽', '🏳️‍🌈', '❤️', '🤔', '🎉'];
const COMBINING = ['\u0301', '\u0300', '\u0308', '\u0303', '\u0327', '\u030a'];
const PUNCTUATION = ['!!!', '??', '...', ' ,', ';;', ' - ', '!?', '~~'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const SMALL_NUMBERS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
];

/** Applies `change` to roughly `rate` of the characters that `eligible` accepts. */
function sprinkle(
  text: string,
  random: Random,
  rate: number,
  eligible: (ch: string) => boolean,
  change: (ch: string) => string,
): string {
  let changed = false;
  const chars = Array.from(text);
  const out = chars.map((ch) => {
    if (!eligible(ch) || random.next() >= rate) return ch;
    changed = true;
    return change(ch);
  });
  // Guarantee at least one change so the case differs from its source.
  if (!changed) {
    const index = chars.findIndex(eligible);
    if (index >= 0) out[index] = change(chars[index] as string);
  }
  return out.join('');
}

const isLetter = (ch: string) => /\p{L}/u.test(ch);

function typo(word: string, random: Random): string {
  const i = 1 + random.int(word.length - 2);
  const kind = random.int(3);
  if (kind === 0) return word.slice(0, i) + word.slice(i + 1); // dropped letter
  if (kind === 1) return word.slice(0, i - 1) + word[i] + word[i - 1] + word.slice(i + 1); // swapped
  const near = KEYBOARD_NEIGHBOURS[word[i]?.toLowerCase() ?? ''];
  return near ? word.slice(0, i) + random.pick(Array.from(near)) + word.slice(i + 1) : word;
}

export const edgeGenerators: CaseGenerator[] = [
  {
    name: 'empty',
    family: 'edge',
    preservesMeaning: false,
    description: 'empty input',
    transform: () => ({ text: '' }),
  },
  {
    name: 'whitespace',
    family: 'edge',
    preservesMeaning: false,
    description: 'whitespace-only input',
    transform: (_text, random) => ({ text: random.pick([' ', '\n\n', '\t \n', '   \u00a0 ']) }),
  },
  {
    name: 'very-long',
    family: 'edge',
    preservesMeaning: true,
    description: 'the input repeated to about 8,000 characters',
    transform: (text) => {
      if (!text.trim()) return undefined;
      const copies = Math.max(2, Math.ceil(8000 / (text.length + 1)));
      return { text: Array.from({ length: copies }, () => text).join('\n') };
    },
  },
  {
    name: 'unicode-noise',
    family: 'edge',
    preservesMeaning: true,
    description: 'emoji between words',
    transform: (text, random) => {
      const words = text.split(' ');
      if (!text.trim()) return undefined;
      const at = random.int(words.length + 1);
      words.splice(at, 0, random.pick(EMOJI));
      return { text: `${words.join(' ')} ${random.pick(EMOJI)}` };
    },
  },
  {
    name: 'rtl',
    family: 'edge',
    preservesMeaning: true,
    description: 'right-to-left marks and a Hebrew/Arabic greeting',
    transform: (text, random) =>
      text.trim()
        ? { text: `\u200f${random.pick(['שלום', 'مرحبا'])}\u200f ${text.replace(/ /g, ' \u200f')}` }
        : undefined,
  },
  {
    name: 'combining-marks',
    family: 'edge',
    preservesMeaning: true,
    description: 'combining accents on some letters',
    transform: (text, random) =>
      /\p{L}/u.test(text)
        ? { text: sprinkle(text, random, 0.15, isLetter, (ch) => ch + random.pick(COMBINING)) }
        : undefined,
  },
  {
    name: 'confusables',
    family: 'edge',
    preservesMeaning: true,
    description: 'Latin letters swapped for Cyrillic look-alikes',
    transform: (text, random) =>
      /[aceopxyiABEHKMOPTX]/.test(text)
        ? {
            text: sprinkle(
              text,
              random,
              0.3,
              (ch) => ch in CONFUSABLES,
              (ch) => CONFUSABLES[ch] ?? ch,
            ),
          }
        : undefined,
  },
  {
    name: 'upper-case',
    family: 'edge',
    preservesMeaning: true,
    description: 'ALL CAPS',
    transform: (text) => (text.toUpperCase() !== text ? { text: text.toUpperCase() } : undefined),
  },
  {
    name: 'lower-case',
    family: 'edge',
    preservesMeaning: true,
    description: 'all lower case',
    transform: (text) => (text.toLowerCase() !== text ? { text: text.toLowerCase() } : undefined),
  },
  {
    name: 'typos',
    family: 'edge',
    preservesMeaning: true,
    description: 'keyboard typos (dropped, swapped, neighbouring keys)',
    transform: (text, random) => {
      const parts = text.split(/(\s+)/);
      const eligible = parts.map((p, i) => (/^\p{L}{4,}$/u.test(p) ? i : -1)).filter((i) => i >= 0);
      if (eligible.length === 0) return undefined;
      const count = Math.max(1, Math.round(eligible.length / 5));
      for (let n = 0; n < count; n++) {
        const i = random.pick(eligible);
        parts[i] = typo(parts[i] as string, random);
      }
      return { text: parts.join('') };
    },
  },
  {
    name: 'punctuation-noise',
    family: 'edge',
    preservesMeaning: true,
    description: 'stray and repeated punctuation',
    transform: (text, random) => {
      if (!text.trim()) return undefined;
      const words = text.split(' ');
      for (let n = 0; n < Math.max(1, Math.round(words.length / 6)); n++) {
        const i = random.int(words.length);
        words[i] = `${words[i]}${random.pick(PUNCTUATION)}`;
      }
      return { text: `${words.join(' ')}${random.pick(PUNCTUATION)}` };
    },
  },
  {
    name: 'number-formats',
    family: 'edge',
    preservesMeaning: true,
    description: 'numbers written differently (1,000 / 1 000 / words)',
    transform: (text, random) => {
      if (!/\d/.test(text)) return undefined;
      const next = text.replace(/(?<![\d.,/-])\d+(?![\d.,/-])/g, (digits) => {
        const n = Number(digits);
        if (n <= 12 && random.next() < 0.7) return SMALL_NUMBERS[n] as string;
        if (n >= 1000)
          return random.next() < 0.5
            ? n.toLocaleString('en-US')
            : n.toLocaleString('en-US').replace(/,/g, ' ');
        return digits;
      });
      return next === text ? undefined : { text: next };
    },
  },
  {
    name: 'date-formats',
    family: 'edge',
    preservesMeaning: true,
    description: 'dates rewritten (2024-03-05 → March 5, 2024 / 5 Mar 2024)',
    transform: (text, random) => {
      const next = text.replace(/\b(\d{4})-(\d{2})-(\d{2})\b/g, (whole, y: string, m: string, d: string) => {
        const month = MONTHS[Number(m) - 1];
        if (!month) return whole;
        return random.next() < 0.5 ? `${month} ${Number(d)}, ${y}` : `${Number(d)} ${month.slice(0, 3)} ${y}`;
      });
      return next === text ? undefined : { text: next };
    },
  },
];
