/**
 * Entry of the detached training process: `node local-job-worker.js <jobDir> <cacheDir>`.
 * It outlives the CLI call that submitted the job; status and events go to the job folder.
 */
import { runLocalJob } from './local-job-runner.js';

const [dir, cacheDir] = process.argv.slice(2);
if (!dir || !cacheDir) {
  process.exitCode = 2;
} else {
  await runLocalJob(dir, cacheDir);
}
