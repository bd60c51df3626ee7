import { Template } from '@huggingface/jinja';
import type { ChatMessage } from '../../../src/dataset/example.js';
import { PolytuneError } from '../../../src/errors.js';
import type { CausalLmFolder } from './causal-lm-folder.js';

/**
 * Renders chats with the model's own `chat_template` (tokenizer_config.json),
 * through `@huggingface/jinja`, the implementation transformers.js uses.
 */
export class ChatPrompt {
  private readonly template?: Template;
  constructor(private readonly folder: CausalLmFolder) {
    if (folder.chatTemplate) this.template = new Template(folder.chatTemplate);
  }

  render(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string {
    if (!this.template) {
      throw new PolytuneError(
        'INVALID_INPUT',
        `${this.folder.dir} has no chat_template in tokenizer_config.json.`,
        {
          hint: 'Use a prompt string (completion data), or export an instruct model whose tokenizer ships a chat template.',
        },
      );
    }
    return this.template.render({
      messages: messages.map((m) => ({ role: m.role, content: m.content ?? '' })),
      add_generation_prompt: addGenerationPrompt,
      bos_token: this.folder.specialTokens.bos_token ?? '',
      eos_token: this.folder.specialTokens.eos_token ?? '',
    });
  }

  /**
   * The text a request starts from: a chat through the template; a string as a user
   * message when there is a template (as the cloud chat models take it), else as is.
   */
  prompt(input: string | readonly ChatMessage[], rawStrings = false): string {
    if (typeof input !== 'string') return this.render(input, true);
    return rawStrings || !this.template ? input : this.render([{ role: 'user', content: input }], true);
  }

  encode(text: string): number[] {
    return this.folder.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    return this.folder.tokenizer.decode([...ids], { skip_special_tokens: true });
  }
}
