import { describe, expect, it } from 'vitest';
import { toGeminiRequest } from '../../../providers/vertex/vertex-model.js';
import { buildTuningJob } from '../../../providers/vertex/vertex-tuning-job.js';
import {
  checkRequestAgainstDiscovery,
  discoveryErrors,
  discoveryMethodFor,
} from '../../helpers/discovery-contract.js';

const API = 'https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1';
const TUNING_JOB = 'GoogleCloudAiplatformV1TuningJob';
const GENERATE = 'GoogleCloudAiplatformV1GenerateContentRequest';

const validJob = {
  baseModel: 'gemini-2.5-flash',
  supervisedTuningSpec: {
    trainingDatasetUri: 'gs://b/polytune/data/abc.jsonl',
    hyperParameters: { epochCount: '3', learningRateMultiplier: 1, adapterSize: 2 },
  },
  tunedModelDisplayName: 'x',
  labels: { 'polytune-key': 'abc' },
};

describe('discovery contract helper', () => {
  it('finds the discovery method a REST call hits', () => {
    expect(discoveryMethodFor('POST', `${API}/tuningJobs?$alt=json%3Benum-encoding=int`)?.id).toBe(
      'aiplatform.projects.locations.tuningJobs.create',
    );
    expect(discoveryMethodFor('POST', `${API}/tuningJobs/12:cancel`)?.id).toBe(
      'aiplatform.projects.locations.tuningJobs.cancel',
    );
    expect(discoveryMethodFor('GET', `${API}/tuningJobs?filter=x`)?.id).toBe(
      'aiplatform.projects.locations.tuningJobs.list',
    );
    expect(discoveryMethodFor('POST', `${API}/endpoints/9:generateContent`)?.id).toBe(
      'aiplatform.projects.locations.endpoints.generateContent',
    );
  });

  it('accepts what the provider builds, with enums as names or as the proto numbers gax sends', () => {
    const built = buildTuningJob({
      spec: {
        provider: 'vertex',
        baseModel: 'gemini-2.5-flash',
        method: 'sft',
        hyperparameters: { epochs: 2, learningRateMultiplier: 0.5, loraRank: 16 },
      },
      key: 'abc',
      trainingDatasetUri: 'gs://b/t.jsonl',
      validationDatasetUri: 'gs://b/v.jsonl',
    });
    // As a JSON body: int64 goes as a string.
    const body = JSON.parse(
      JSON.stringify(built, (k, v) => (k === 'epochCount' ? String(v) : v)),
    ) as typeof validJob;
    expect(discoveryErrors(TUNING_JOB, body)).toEqual([]);
    expect(discoveryErrors(TUNING_JOB, validJob)).toEqual([]);
    // ADAPTER_SIZE_TWO is 6 in the proto, though it is third in the discovery list.
    const two = structuredClone(validJob);
    two.supervisedTuningSpec.hyperParameters.adapterSize = 6;
    expect(discoveryErrors(TUNING_JOB, two)).toEqual([]);
    const generate = toGeminiRequest('projects/p/locations/l/endpoints/e', {
      input: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'u' },
      ],
      maxTokens: 5,
      topP: 0.9,
      seed: 1,
    });
    const { model: _model, ...generateBody } = generate;
    expect(discoveryErrors(GENERATE, generateBody)).toEqual([]);
  });

  it('rejects bodies that break the schema (negative tests)', () => {
    const cases: [string, unknown][] = [
      [
        'int64 sent as a number',
        {
          ...validJob,
          supervisedTuningSpec: { ...validJob.supervisedTuningSpec, hyperParameters: { epochCount: 3 } },
        },
      ],
      [
        'an enum name that does not exist',
        {
          ...validJob,
          supervisedTuningSpec: {
            trainingDatasetUri: 'gs://b/t',
            hyperParameters: { adapterSize: 'ADAPTER_SIZE_SEVEN' },
          },
        },
      ],
      [
        'an enum number that does not exist',
        {
          ...validJob,
          supervisedTuningSpec: { trainingDatasetUri: 'gs://b/t', hyperParameters: { adapterSize: 7 } },
        },
      ],
      [
        'an invented field',
        { ...validJob, supervisedTuningSpec: { ...validJob.supervisedTuningSpec, batchSize: 8 } },
      ],
      ['an output-only field', { ...validJob, state: 'JOB_STATE_QUEUED' }],
      ['a label value that is not a string', { ...validJob, labels: { 'polytune-key': 1 } }],
    ];
    for (const [name, body] of cases) {
      expect(discoveryErrors(TUNING_JOB, body).length, name).toBeGreaterThan(0);
    }
    expect(discoveryErrors(GENERATE, { contents: [{ role: 'user', parts: [{ txt: 'hi' }] }] })).not.toEqual(
      [],
    );
    expect(
      discoveryErrors(GENERATE, {
        contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
        generationConfig: { maxTokens: 5 },
      }),
    ).not.toEqual([]);
  });

  it('closes preferenceOptimizationSpec too: a misspelt beta or spec name fails, the built body passes', () => {
    const built = buildTuningJob({
      spec: {
        provider: 'vertex',
        baseModel: 'gemini-2.5-flash',
        method: 'dpo',
        hyperparameters: { epochs: 1, beta: 0.2, loraRank: 8 },
      },
      key: 'abc',
      trainingDatasetUri: 'gs://b/t.jsonl',
    });
    const body = JSON.parse(JSON.stringify(built, (k, v) => (k === 'epochCount' ? String(v) : v)));
    expect(discoveryErrors(TUNING_JOB, body)).toEqual([]);
    const spec = { trainingDatasetUri: 'gs://b/t.jsonl', hyperParameters: { epochCount: '1', betta: 0.2 } };
    expect(
      discoveryErrors(TUNING_JOB, { baseModel: 'gemini-2.5-flash', preferenceOptimizationSpec: spec }),
    ).toEqual([
      expect.stringContaining('must NOT have additional properties {"additionalProperty":"betta"}'),
    ]);
    expect(
      discoveryErrors(TUNING_JOB, { baseModel: 'gemini-2.5-flash', preferenceOptimisationSpec: spec }).length,
    ).toBeGreaterThan(0);
  });

  it('flags a call that matches no method, and a body on a method that takes none', () => {
    expect(
      checkRequestAgainstDiscovery({ method: 'POST', url: `${API}/tuningJobz`, body: '{}' }).errors,
    ).toHaveLength(1);
    expect(
      checkRequestAgainstDiscovery({ method: 'GET', url: `${API}/tuningJobs/1`, body: '{"x":1}' }).errors,
    ).toHaveLength(1);
    expect(
      checkRequestAgainstDiscovery({
        method: 'POST',
        url: `${API}/tuningJobs`,
        body: JSON.stringify(validJob),
      }),
    ).toEqual({ method: 'aiplatform.projects.locations.tuningJobs.create', schema: TUNING_JOB, errors: [] });
  });
});
