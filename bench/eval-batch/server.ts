import { LocalBatchService } from './local-batch-service.js';

/**
 * The local Files + Batch + chat service in its own process; prints its base URL.
 *   server.mjs <cases>   fails the batch line of every 100th case (it is retried online)
 */
const cases = Number(process.argv[2] ?? '10000');
const service = new LocalBatchService();
for (let i = 7; i < cases; i += 100) service.failLines.add(`0:case-${i}`);
const { baseURL } = await service.listen();
process.stdout.write(`${baseURL}\n`);
