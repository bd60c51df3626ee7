import { describe, expect, it } from 'vitest';
import { localOnnxCompiler } from '../../providers/local-onnx/local-onnx-compile.js';
import { createOpenAICompiler, openaiCompiler } from '../../providers/openai/openai-compile.js';
import {
  SAGEMAKER_INSTRUCTION_TEMPLATE,
  sagemakerCompiler,
} from '../../providers/sagemaker/sagemaker-compile.js';
import { vertexCompiler } from '../../providers/vertex/vertex-compile.js';
import type { Example } from '../../src/dataset/example.js';
import { readExamples } from '../../src/dataset/read-prepared.js';
import { scanDataset } from '../../src/dataset/scan-dataset.js';

const chat: Example = {
  id: 'c',
  kind: 'chat',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Take off' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'takeoff', arguments: '{"altitude":100}' } },
      ],
    },
    { role: 'tool', content: '{"ok":true}', tool_call_id: 'call_1' },
    { role: 'assistant', content: 'Done.', weight: 1 },
  ],
  tools: [{ type: 'function', function: { name: 'takeoff', parameters: { type: 'object' } } }],
};
const completion: Example = { id: 'p', kind: 'completion', prompt: 'Say hi', completion: 'hi' };
const classification: Example = {
  id: 'k',
  kind: 'classification',
  text: 'where is my card',
  label: 'card_arrival',
};
const preference: Example = {
  id: 'd',
  kind: 'preference',
  input: [{ role: 'user', content: 'q' }],
  preferred: 'good',
  nonPreferred: 'bad',
};

const line = (c: { compileExample?: (e: Example) => string }, e: Example) => JSON.parse(c.compileExample!(e));

describe('OpenAI compiler', () => {
  it('writes chat SFT lines with tools, tool calls and weights', () => {
    const out = line(openaiCompiler, chat);
    expect(out.tools).toEqual(chat.kind === 'chat' ? chat.tools : undefined);
    expect(out.messages[2]).toEqual({
      role: 'assistant',
      tool_calls: [expect.objectContaining({ id: 'call_1' })],
    });
    expect(out.messages[4]).toEqual({ role: 'assistant', content: 'Done.', weight: 1 });
  });

  it('writes DPO lines and turns classification/completion into chat (optional system prompt)', () => {
    expect(line(openaiCompiler, preference)).toEqual({
      input: { messages: [{ role: 'user', content: 'q' }] },
      preferred_output: [{ role: 'assistant', content: 'good' }],
      non_preferred_output: [{ role: 'assistant', content: 'bad' }],
    });
    expect(line(createOpenAICompiler({ systemPrompt: 'Classify.' }), classification).messages).toEqual([
      { role: 'system', content: 'Classify.' },
      { role: 'user', content: 'where is my card' },
      { role: 'assistant', content: 'card_arrival' },
    ]);
    expect(line(openaiCompiler, completion).messages).toHaveLength(2);
  });
});

describe('Vertex compiler', () => {
  it('writes Gemini contents with user/model roles, systemInstruction and function parts', () => {
    const out = line(vertexCompiler, chat);
    expect(out.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] });
    expect(out.contents.map((c: { role: string }) => c.role)).toEqual(['user', 'model', 'user', 'model']);
    expect(out.contents[1].parts[0]).toEqual({ functionCall: { name: 'takeoff', args: { altitude: 100 } } });
    expect(out.contents[2].parts[0]).toEqual({
      functionResponse: { name: 'takeoff', response: { ok: true } },
    });
    expect(out.tools[0].functionDeclarations[0].name).toBe('takeoff');
    expect(line(vertexCompiler, completion).contents).toEqual([
      { role: 'user', parts: [{ text: 'Say hi' }] },
      { role: 'model', parts: [{ text: 'hi' }] },
    ]);
  });

  it("writes preference lines in Google's preference-tuning format", () => {
    // https://docs.cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-preference-tuning-prepare
    const withSystem = {
      ...preference,
      input: [{ role: 'system', content: 's' }, ...preference.input],
    } as Example;
    expect(line(vertexCompiler, withSystem)).toEqual({
      system_instruction: { parts: [{ text: 's' }] },
      contents: [{ role: 'user', parts: [{ text: 'q' }] }],
      completions: [
        { score: 1, completion: { role: 'model', parts: [{ text: 'good' }] } },
        { score: 0, completion: { role: 'model', parts: [{ text: 'bad' }] } },
      ],
    });
  });
});

describe('SageMaker compiler', () => {
  it('writes instruction rows whose fields match template.json placeholders', () => {
    const row = line(sagemakerCompiler, completion);
    const template = JSON.parse(sagemakerCompiler.extraFiles!('completion')['template.json']!);
    expect(template).toEqual(SAGEMAKER_INSTRUCTION_TEMPLATE);
    const placeholders = [...`${template.prompt}${template.completion}`.matchAll(/\{(\w+)\}/g)].map(
      (m) => m[1],
    );
    expect(new Set(placeholders)).toEqual(new Set(Object.keys(row)));
    expect(line(sagemakerCompiler, classification)).toEqual({
      instruction: 'where is my card',
      response: 'card_arrival',
    });
  });

  it('writes the dialog variant for chat, without template.json', () => {
    const out = line(sagemakerCompiler, chat);
    expect(out.dialog[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(out.dialog[2].content).toContain('takeoff');
    expect(sagemakerCompiler.extraFiles!('chat')).toEqual({});
    expect(sagemakerCompiler.kinds).not.toContain('preference');
  });
});

describe('local-onnx compiler', () => {
  it('writes {text,label} and {prompt,completion}, and refuses chat', () => {
    expect(line(localOnnxCompiler, classification)).toEqual({
      text: 'where is my card',
      label: 'card_arrival',
    });
    expect(line(localOnnxCompiler, completion)).toEqual({ prompt: 'Say hi', completion: 'hi' });
    expect(line(localOnnxCompiler, chat)).toEqual({ messages: chat.kind === 'chat' ? chat.messages : [] });
    expect(() => localOnnxCompiler.compileExample!(preference)).toThrow(
      /local-onnx cannot train on preference/,
    );
  });
});

describe('compilers on real files', () => {
  it('compile every drone tool-calling example for OpenAI and Vertex', async () => {
    const examples: Example[] = [];
    await scanDataset(
      'fixtures/datasets/drone_tool_calls_30.jsonl',
      {},
      { onKept: (kept) => examples.push(JSON.parse(kept.line()) as Example) },
    );
    expect(examples.length).toBeGreaterThan(20);
    for (const e of examples) {
      const o = line(openaiCompiler, e);
      expect(o.messages.length).toBeGreaterThan(1);
      expect(o.tools.length).toBeGreaterThan(0);
      const v = line(vertexCompiler, e);
      expect(v.contents.every((c: { role: string }) => c.role === 'user' || c.role === 'model')).toBe(true);
    }
  });

  it('readExamples names the file and line of a bad canonical line', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(await mkdtemp(join(tmpdir(), 'polytune-re-')), 'x.jsonl');
    await writeFile(file, `${JSON.stringify(completion)}\n{"kind":"nope"}\n`);
    const seen: Example[] = [];
    await expect(
      (async () => {
        for await (const e of readExamples(file)) seen.push(e);
      })(),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', line: 2, file });
    expect(seen).toHaveLength(1);
  });
});
