/**
 * The lower-casing word-level tokenizer of the default base, in Hugging Face
 * tokenizers format. It is a WordPiece model with no continuation pieces, so a
 * word is either in the vocabulary whole or `[UNK]` — word-level behaviour that
 * both the Rust crate and `@huggingface/tokenizers` load.
 */
export const PAD_TOKEN = '[PAD]';
export const UNK_TOKEN = '[UNK]';

/** Contractions expanded before splitting: GloVe has "not", not "n't" (worth points, NOTES.md). */
const CONTRACTIONS: ReadonlyArray<[string, string]> = [
  ["\\bcan't\\b", 'can not'],
  ["\\bwon't\\b", 'will not'],
  ["\\bshan't\\b", 'shall not'],
  ["\\bain't\\b", 'is not'],
  ["n't\\b", ' not'],
  ["'re\\b", ' are'],
  ["'m\\b", ' am'],
  ["'ve\\b", ' have'],
  ["'ll\\b", ' will'],
  ["'d\\b", ' would'],
  ...['it', 'that', 'what', 'where', 'there', 'here', 'how', 'who', 'he', 'she', 'let'].map(
    (w): [string, string] => [`\\b${w}'s\\b`, w === 'let' ? 'let us' : `${w} is`],
  ),
  // Any other 's is a possessive: drop it so "card's" is "card".
  ["'s\\b", ''],
];

export interface TokenizerJson {
  version: string;
  truncation: null;
  padding: null;
  added_tokens: Array<{
    id: number;
    content: string;
    single_word: boolean;
    lstrip: boolean;
    rstrip: boolean;
    normalized: boolean;
    special: boolean;
  }>;
  normalizer: unknown;
  pre_tokenizer: unknown;
  post_processor: null;
  decoder: unknown;
  model: {
    type: 'WordPiece';
    unk_token: string;
    continuing_subword_prefix: string;
    max_input_chars_per_word: number;
    vocab: Record<string, number>;
  };
}

/** `words` become ids 2…; 0 is `[PAD]`, 1 is `[UNK]`. */
export function buildWordTokenizerJson(words: readonly string[]): TokenizerJson {
  const vocab: Record<string, number> = { [PAD_TOKEN]: 0, [UNK_TOKEN]: 1 };
  for (const word of words) if (!(word in vocab)) vocab[word] = Object.keys(vocab).length;
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, PAD_TOKEN), special(1, UNK_TOKEN)],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFKC' },
        { type: 'Replace', pattern: { String: '\u2019' }, content: "'" },
        { type: 'Lowercase' },
        ...CONTRACTIONS.map(([pattern, content]) => ({
          type: 'Replace',
          pattern: { Regex: pattern },
          content,
        })),
      ],
    },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: UNK_TOKEN,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
}

/** Adds words at the end of a tokenizer's vocabulary; returns the ids they got. */
export function addWordsToTokenizerJson(json: TokenizerJson, words: readonly string[]): number[] {
  const vocab = json.model.vocab;
  let next = Math.max(...Object.values(vocab)) + 1;
  return words.map((word) => {
    if (vocab[word] === undefined) vocab[word] = next++;
    return vocab[word] as number;
  });
}
