// Preloaded with `node --import`: records every module URL the process resolves, so a test can
// ask which packages an import loaded. The hooks run on their own thread and report by port.
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
globalThis.__resolvedUrls = [];
port1.on('message', (url) => globalThis.__resolvedUrls.push(url));
port1.unref();
register('./record-imports-hooks.mjs', {
  parentURL: import.meta.url,
  data: { port: port2 },
  transferList: [port2],
});
