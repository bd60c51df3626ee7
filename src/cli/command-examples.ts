import type { Command } from 'commander';

/**
 * One worked example per command, shown at the end of its `--help`. Kept in one
 * table so a test can check that no command lacks one.
 */
export const COMMAND_EXAMPLES: Record<string, string[]> = {
  demo: ['polytune demo --out polytune-demo'],
  doctor: ['polytune doctor --json'],
  data: ['polytune data check train.jsonl', 'polytune data prepare train.jsonl --out prepared/'],
  'data check': [
    'polytune data check train.jsonl --provider openai',
    'polytune data check intents.csv --map text=utterance,label=intent --json',
  ],
  'data prepare': [
    'polytune data prepare intents.csv --out prepared/ --seed 7 --split 0.8,0.1,0.1',
    'polytune data prepare chat.jsonl --out prepared/ --provider openai,vertex',
  ],
  tune: [
    'polytune tune --provider openai --base-model gpt-4.1-mini-2025-04-14 --data prepared/ --dry-run',
    'polytune tune --provider local-onnx --data prepared/ --wait',
  ],
  jobs: ['polytune jobs list --json'],
  'jobs list': ['polytune jobs list', 'polytune jobs list --json'],
  'jobs show': ['polytune jobs show 3f2a9c'],
  'jobs wait': ['polytune jobs wait 3f2a9c --timeout 120'],
  'jobs events': ['polytune jobs events 3f2a9c --json'],
  'jobs cancel': ['polytune jobs cancel 3f2a9c'],
  deploy: ['polytune deploy 3f2a9c', 'polytune deploy 3f2a9c --instance-type ml.g5.2xlarge'],
  undeploy: ['polytune undeploy 3f2a9c'],
  eval: [
    'polytune eval --suite suite.yaml --model job:3f2a9c --baseline openai:gpt-4.1-mini --out eval-out',
    'polytune eval --suite suite.yaml --model local-onnx:./model --out eval-out --resume --gate',
  ],
  compare: [
    'polytune compare --suite suite.yaml --model job:3f2a9c --model openai:gpt-4.1-mini --baseline openai:gpt-4.1-mini',
  ],
  gate: [
    'polytune gate eval-out/results.json --thresholds thresholds.yaml',
    'polytune gate eval-out/results.json --threshold "passRate >= 0.9" --use-interval',
  ],
  prices: ['polytune prices refresh'],
  'prices refresh': ['polytune prices refresh --provider sagemaker --region eu-west-1'],
  models: ['polytune models --provider openai', 'polytune models --provider vertex --json'],
};

/** The full name of a command below the program, e.g. `jobs list`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Adds each command's examples to its help (commands that already show some keep theirs). */
export function addExamples(program: Command): void {
  const visit = (command: Command) => {
    for (const sub of command.commands) {
      const lines = COMMAND_EXAMPLES[commandPath(sub)];
      if (lines && !sub.helpInformation().includes('Example')) {
        sub.addHelpText(
          'after',
          `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  ${l}`).join('\n')}\n`,
        );
      }
      visit(sub);
    }
  };
  visit(program);
}
