import type { ChatMessage, Example, Tool, ToolCall } from './example.js';
import { ROLES, ToolCallSchema, ToolSchema } from './example.js';
import type { ResolvedMapping } from './presets.js';

/** An example before cleaning gives it an id. */
export type ExampleDraft = Example extends infer E ? (E extends Example ? Omit<E, 'id'> : never) : never;

/** A finding while mapping one record; the caller adds file and line. */
export interface RecordFinding {
  severity: 'error' | 'warning';
  code: string;
  message: string;
}

export interface MappedRecord {
  draft?: ExampleDraft;
  findings: RecordFinding[];
}

// The cookbook allows role, content, name, function_call and weight; the
// current API adds tool_calls and tool_call_id.
const MESSAGE_KEYS = new Set([
  'role',
  'content',
  'name',
  'weight',
  'tool_calls',
  'tool_call_id',
  'function_call',
]);
const CHAT_KEYS = new Set(['messages', 'tools', 'parallel_tool_calls', 'functions']);
const ROLE_SET = new Set<string>(ROLES);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Text of a content value: a string, or an array of `{type:'text', text}` parts. */
function contentText(content: unknown): string | null | undefined {
  if (typeof content === 'string' || content === null) return content;
  if (
    Array.isArray(content) &&
    content.every((p) => isObject(p) && p.type === 'text' && typeof p.text === 'string')
  ) {
    return content.map((p) => (p as { text: string }).text).join('');
  }
  return undefined;
}

/**
 * Checks one list of messages the way OpenAI's data-preparation notebook does
 * (data_type, message_missing_key, message_unrecognized_key, unrecognized_role,
 * missing_content) and converts it.
 */
function mapMessages(raw: unknown[], findings: RecordFinding[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  raw.forEach((m, index) => {
    const at = `message ${index + 1}`;
    if (!isObject(m)) {
      findings.push({ severity: 'error', code: 'data_type', message: `${at} is not an object` });
      return;
    }
    const hasToolCalls = Array.isArray(m.tool_calls) && m.tool_calls.length > 0;
    if (!('role' in m) || (!('content' in m) && !hasToolCalls)) {
      const missing = !('role' in m) ? 'role' : 'content';
      findings.push({
        severity: 'error',
        code: 'message_missing_key',
        message: `${at} has no \`${missing}\``,
      });
    }
    const unknown = Object.keys(m).filter((k) => !MESSAGE_KEYS.has(k));
    if (unknown.length > 0) {
      findings.push({
        severity: 'error',
        code: 'message_unrecognized_key',
        message: `${at} has unrecognised key(s): ${unknown.join(', ')}`,
      });
    }
    const role = m.role;
    if ('role' in m && (typeof role !== 'string' || !ROLE_SET.has(role))) {
      findings.push({
        severity: 'error',
        code: 'unrecognized_role',
        message: `${at} has role ${JSON.stringify(role)}; expected one of ${ROLES.join(', ')}`,
      });
    }
    const content = contentText(m.content);
    if (content === undefined && 'content' in m) {
      findings.push({
        severity: 'error',
        code: 'missing_content',
        message: `${at} content must be a string (or text parts), got ${Array.isArray(m.content) ? 'non-text parts' : typeof m.content}`,
      });
    } else if (!hasToolCalls && (content === null || content === '') && 'content' in m) {
      findings.push({
        severity: 'error',
        code: 'missing_content',
        message: `${at} (${String(role)}) has empty content`,
      });
    }
    if (m.weight !== undefined && m.weight !== 0 && m.weight !== 1) {
      findings.push({ severity: 'error', code: 'invalid_weight', message: `${at} weight must be 0 or 1` });
    } else if (m.weight !== undefined && role !== 'assistant') {
      findings.push({
        severity: 'error',
        code: 'invalid_weight',
        message: `${at}: weight is only allowed on assistant messages`,
      });
    }
    let toolCalls: ToolCall[] | undefined;
    if (m.tool_calls !== undefined) {
      const parsed = ToolCallSchema.array().safeParse(m.tool_calls);
      if (!parsed.success || role !== 'assistant') {
        findings.push({
          severity: 'error',
          code: 'invalid_tool_calls',
          message: parsed.success
            ? `${at}: only assistant messages may carry tool_calls`
            : `${at} tool_calls are malformed (${parsed.error.issues[0]?.message ?? 'bad shape'})`,
        });
      } else toolCalls = parsed.data;
    }
    if (role === 'tool' && typeof m.tool_call_id !== 'string') {
      findings.push({
        severity: 'error',
        code: 'message_missing_key',
        message: `${at} (tool) has no \`tool_call_id\``,
      });
    }
    if (m.name !== undefined && typeof m.name !== 'string') {
      findings.push({ severity: 'error', code: 'data_type', message: `${at} name must be a string` });
    }
    if (m.function_call !== undefined) {
      findings.push({
        severity: 'error',
        code: 'message_unrecognized_key',
        message: `${at} uses the deprecated \`function_call\`; convert it to \`tool_calls\``,
      });
    }
    const message: ChatMessage = { role: role as ChatMessage['role'], content: content ?? null };
    if (typeof m.name === 'string') message.name = m.name;
    if (m.weight === 0 || m.weight === 1) message.weight = m.weight;
    if (toolCalls) message.tool_calls = toolCalls;
    if (typeof m.tool_call_id === 'string') message.tool_call_id = m.tool_call_id;
    messages.push(message);
  });
  return messages;
}

function mapTools(raw: unknown, findings: RecordFinding[]): Tool[] | undefined {
  if (raw === undefined) return undefined;
  const parsed = ToolSchema.array().safeParse(raw);
  if (!parsed.success) {
    findings.push({
      severity: 'error',
      code: 'invalid_tools',
      message: `tools are malformed (${parsed.error.issues[0]?.message ?? 'bad shape'}); expected [{type:'function', function:{name, …}}]`,
    });
    return undefined;
  }
  return parsed.data;
}

function mapChat(value: Record<string, unknown>, mapping: ResolvedMapping, findings: RecordFinding[]) {
  const raw = value[mapping.fields.messages ?? 'messages'];
  if (!Array.isArray(raw) || raw.length === 0) {
    findings.push({
      severity: 'error',
      code: 'missing_messages_list',
      message: 'no `messages` list (or it is empty)',
    });
    return undefined;
  }
  const unknown = Object.keys(value).filter((k) => !CHAT_KEYS.has(k));
  if (unknown.length > 0) {
    findings.push({
      severity: 'warning',
      code: 'unrecognized_key',
      message: `ignored key(s): ${unknown.join(', ')}`,
    });
  }
  const messages = mapMessages(raw, findings);
  if (!messages.some((m) => m.role === 'assistant')) {
    findings.push({
      severity: 'error',
      code: 'example_missing_assistant_message',
      message: 'no assistant message',
    });
  } else if (!messages.some((m) => m.role === 'user')) {
    findings.push({ severity: 'warning', code: 'missing_user_message', message: 'no user message' });
  }
  const tools = mapTools(value[mapping.fields.tools ?? 'tools'], findings);
  const draft: ExampleDraft = { kind: 'chat', messages };
  if (tools) draft.tools = tools;
  if (typeof value.parallel_tool_calls === 'boolean') draft.parallel_tool_calls = value.parallel_tool_calls;
  return draft;
}

/** A preference output: a string or `[{role:'assistant', content}]`. */
function outputText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (Array.isArray(raw) && raw.length === 1 && isObject(raw[0]) && raw[0].role === 'assistant') {
    const text = contentText(raw[0].content);
    return typeof text === 'string' ? text : undefined;
  }
  return undefined;
}

function mapPreference(value: Record<string, unknown>, mapping: ResolvedMapping, findings: RecordFinding[]) {
  const rawInput = value[mapping.fields.input!];
  let inputMessages: unknown[] | undefined;
  if (typeof rawInput === 'string') inputMessages = [{ role: 'user', content: rawInput }];
  else if (Array.isArray(rawInput)) inputMessages = rawInput;
  else if (isObject(rawInput) && Array.isArray(rawInput.messages)) inputMessages = rawInput.messages;
  if (!inputMessages || inputMessages.length === 0) {
    findings.push({
      severity: 'error',
      code: 'missing_messages_list',
      message: 'preference `input` must be a string, a message list or {messages: [...]}',
    });
    return undefined;
  }
  const input = mapMessages(inputMessages, findings);
  const preferred = outputText(value[mapping.fields.preferred!]);
  const nonPreferred = outputText(value[mapping.fields.non_preferred!]);
  for (const [name, text] of [
    ['preferred_output', preferred],
    ['non_preferred_output', nonPreferred],
  ] as const) {
    if (!text) {
      findings.push({
        severity: 'error',
        code: 'missing_content',
        message: `${name} must be a non-empty string or [{role:'assistant', content}]`,
      });
    }
  }
  if (preferred && preferred === nonPreferred) {
    findings.push({
      severity: 'warning',
      code: 'identical_outputs',
      message: 'preferred and non-preferred outputs are the same',
    });
  }
  return {
    kind: 'preference',
    input,
    preferred: preferred ?? '',
    nonPreferred: nonPreferred ?? '',
  } as ExampleDraft;
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function requireText(
  value: Record<string, unknown>,
  field: string,
  source: string | undefined,
  findings: RecordFinding[],
  optional = false,
): string {
  const raw = source === undefined ? undefined : value[source];
  if (raw === undefined || raw === null) {
    if (!optional)
      findings.push({ severity: 'error', code: 'missing_content', message: `no \`${source ?? field}\`` });
    return '';
  }
  const text = scalarText(raw);
  if (text === undefined) {
    findings.push({
      severity: 'error',
      code: 'data_type',
      message: `\`${source}\` must be a string, got ${Array.isArray(raw) ? 'array' : typeof raw}`,
    });
    return '';
  }
  if (!optional && text.trim() === '') {
    findings.push({ severity: 'error', code: 'missing_content', message: `\`${source}\` is empty` });
  }
  return text;
}

/** Maps one parsed record to an example draft (when it has no errors) plus its findings. */
export function mapRecord(value: unknown, mapping: ResolvedMapping): MappedRecord {
  const findings: RecordFinding[] = [];
  if (!isObject(value)) {
    findings.push({
      severity: 'error',
      code: 'data_type',
      message: `expected an object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`,
    });
    return { findings };
  }
  let draft: ExampleDraft | undefined;
  const f = mapping.fields;
  switch (mapping.preset) {
    case 'openai-chat':
      draft = mapChat(value, mapping, findings);
      break;
    case 'preference':
      draft = mapPreference(value, mapping, findings);
      break;
    case 'instruction': {
      const instruction = requireText(value, 'instruction', f.instruction, findings);
      const context = requireText(value, 'context', f.context, findings, true);
      const response = requireText(value, 'response', f.response, findings);
      // Context goes after the instruction, the layout Dolly and Alpaca train with.
      const prompt = context.trim() ? `${instruction}\n\n${context}` : instruction;
      draft = { kind: 'completion', prompt, completion: response };
      break;
    }
    case 'prompt-completion':
      draft = {
        kind: 'completion',
        prompt: requireText(value, 'prompt', f.prompt, findings),
        completion: requireText(value, 'completion', f.completion, findings),
      };
      break;
    case 'text-label':
      draft = {
        kind: 'classification',
        text: requireText(value, 'text', f.text, findings),
        label: requireText(value, 'label', f.label, findings),
      };
      break;
  }
  if (findings.some((x) => x.severity === 'error')) return { findings };
  return { draft, findings };
}
