import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type LoadedConfig, ledgerDirFor, loadConfig } from '../../config/load-config.js';
import { out } from '../output.js';

/**
 * `polytune doctor`: which providers are configured, without printing a secret
 * (only whether each credential is present and where it came from), and which
 * ONNX Runtime execution provider the local backend would use.
 */
export interface DoctorCheck {
  provider: string;
  ok: boolean;
  message: string;
}

const has = (name: string) => Boolean(process.env[name]);

function checkOpenAI(config: LoadedConfig): DoctorCheck {
  const settings = config.config.providers.openai ?? {};
  const base = process.env.OPENAI_BASE_URL ?? (settings.baseURL as string | undefined);
  if (has('AZURE_OPENAI_API_KEY') || settings.azure) {
    const azure = (settings.azure ?? {}) as { endpoint?: string };
    const endpoint = process.env.AZURE_OPENAI_ENDPOINT ?? azure.endpoint;
    return {
      provider: 'openai',
      ok: Boolean(endpoint) && has('AZURE_OPENAI_API_KEY'),
      message: endpoint
        ? `Azure OpenAI at ${endpoint}`
        : 'Azure OpenAI key set but AZURE_OPENAI_ENDPOINT is missing',
    };
  }
  if (!has('OPENAI_API_KEY')) return { provider: 'openai', ok: false, message: 'OPENAI_API_KEY is not set' };
  return { provider: 'openai', ok: true, message: `OPENAI_API_KEY set${base ? `; base URL ${base}` : ''}` };
}

function checkVertex(config: LoadedConfig): DoctorCheck {
  const s = config.config.providers.vertex ?? {};
  const project =
    (s.project as string | undefined) ?? process.env.GOOGLE_CLOUD_PROJECT ?? process.env.GCLOUD_PROJECT;
  const location = (s.location as string | undefined) ?? process.env.GOOGLE_CLOUD_LOCATION ?? 'us-central1';
  const bucket = (s.bucket as string | undefined) ?? process.env.POLYTUNE_VERTEX_BUCKET;
  const adcFile = join(homedir(), '.config', 'gcloud', 'application_default_credentials.json');
  const credentials = has('GOOGLE_APPLICATION_CREDENTIALS')
    ? 'GOOGLE_APPLICATION_CREDENTIALS'
    : existsSync(adcFile)
      ? 'gcloud application-default login'
      : undefined;
  const problems = [
    ...(project ? [] : ['no project (providers.vertex.project or GOOGLE_CLOUD_PROJECT)']),
    ...(bucket ? [] : ['no bucket (providers.vertex.bucket or POLYTUNE_VERTEX_BUCKET)']),
    ...(credentials
      ? []
      : ['no Application Default Credentials (run `gcloud auth application-default login`)']),
  ];
  return {
    provider: 'vertex',
    ok: problems.length === 0,
    message: problems.length
      ? problems.join('; ')
      : `project ${project}, ${location}, credentials from ${credentials}`,
  };
}

function checkSageMaker(config: LoadedConfig): DoctorCheck {
  const s = config.config.providers.sagemaker ?? {};
  const region = (s.region as string | undefined) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const credentials = has('AWS_ACCESS_KEY_ID')
    ? 'environment'
    : has('AWS_PROFILE')
      ? `profile ${process.env.AWS_PROFILE}`
      : existsSync(join(homedir(), '.aws', 'credentials'))
        ? '~/.aws/credentials'
        : undefined;
  const problems = [
    ...(region ? [] : ['no region (AWS_REGION or providers.sagemaker.region)']),
    ...(s.roleArn ? [] : ['config providers.sagemaker lacks roleArn']),
    ...(s.bucket ? [] : ['config providers.sagemaker lacks bucket']),
    ...(credentials ? [] : ['no AWS credentials found (environment, AWS_PROFILE or ~/.aws/credentials)']),
  ];
  return {
    provider: 'sagemaker',
    ok: problems.length === 0,
    message: problems.length ? problems.join('; ') : `region ${region}, credentials from ${credentials}`,
  };
}

/** Opens the default base on `auto`: says which execution provider runs, and why CUDA did not load. */
async function checkLocalOnnx(): Promise<DoctorCheck> {
  try {
    const { loadBaseModel } = await import('../../../providers/local-onnx/base-model.js');
    const { openSession } = await import('../../../providers/local-onnx/onnx-session.js');
    const base = await loadBaseModel();
    const opened = await openSession(base.modelBytes, 'auto');
    await opened.session.release();
    return {
      provider: 'local-onnx',
      ok: true,
      message:
        opened.device === 'cuda'
          ? 'default base loads; CUDA execution provider in use'
          : `default base loads; CPU execution provider (CUDA not available: ${opened.fallbackReason ?? 'not installed'}; see README "GPU")`,
    };
  } catch (error) {
    return { provider: 'local-onnx', ok: false, message: (error as Error).message };
  }
}

export async function runDoctor(config: LoadedConfig): Promise<DoctorCheck[]> {
  const checks = [checkOpenAI(config), checkVertex(config), checkSageMaker(config), await checkLocalOnnx()];
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  checks.push({
    provider: 'node',
    // package.json engines: >=20.18.1 <25 (undici 7 needs 20.18.1).
    ok: (major > 20 || (major === 20 && minor >= 18)) && major <= 24,
    message: `Node ${process.versions.node} (supported: 20.18+, 22, 24)`,
  });
  checks.push({ provider: 'ledger', ok: true, message: `job ledger at ${ledgerDirFor(config)}` });
  return checks;
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check which providers are configured (never prints secrets) and which ONNX device runs')
    .option('--json', 'print machine-readable output')
    .option('--config <file>', 'config file (default: polytune.config.* found from the working directory up)')
    .addHelpText('after', '\nExample:\n  polytune doctor --json\n')
    .action(async (options: { json?: boolean; config?: string }) => {
      const config = await loadConfig({ explicitFile: options.config });
      const checks = await runDoctor(config);
      if (options.json) {
        out.json({ config: config.file ?? null, checks });
        return;
      }
      out.line(`config: ${config.file ?? '(none found; using defaults)'}`);
      for (const check of checks)
        out.line(`${check.ok ? 'ok  ' : 'no  '} ${check.provider.padEnd(10)} ${check.message}`);
    });
}
