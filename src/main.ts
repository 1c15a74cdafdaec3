#!/usr/bin/env node
import { printSchemaCommand } from './cli/printSchema.js';
import { serve } from './cli/serve.js';
import { simulate } from './cli/simulate.js';

const [command = 'serve', ...rest] = process.argv.slice(2);

switch (command) {
  case 'serve':
    await serve();
    break;
  case 'simulate':
    await simulate(rest);
    break;
  case 'print-schema':
    printSchemaCommand(rest);
    break;
  default:
    console.error(`unknown command "${command}". Commands: serve (default), simulate, print-schema`);
    process.exit(2);
}
