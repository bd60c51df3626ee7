#!/usr/bin/env node
import { main } from './main.js';
import { endQuietlyOnClosedPipe } from './output.js';

endQuietlyOnClosedPipe();
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
