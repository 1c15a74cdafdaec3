#!/usr/bin/env node
import { printSchemaCommand } from './cli/printSchema.js';
import { serve } from './cli/serve.js';
import { simulate } from './cli/simulate.js';
import { cellgraphVersion } from './cli/version.js';

const HELP = `cellgraph: a GraphQL read model over the CellOS JetStream event log

usage: cellgraph <command> [options]

commands:
  serve [--dev]         the server, until SIGTERM/SIGINT (drains subscriptions, exit 0).
                        Needs CELLGRAPH_NATS_URL. --dev (what \`npm start\` runs): without a URL,
                        use NATS on 127.0.0.1:4222 or start an embedded nats-server there.
  simulate [--help]     publish realistic CellOS events (see \`cellgraph simulate --help\`)
  print-schema [file]   print the GraphQL schema (SDL), or write it to file

options:
  -h, --help            this text
  -v, --version         the version

Configuration is read from CELLGRAPH_* environment variables (README, "Configuration").`;

const [command = 'serve', ...rest] = process.argv.slice(2);

switch (command) {
  case 'serve':
    await serve(rest);
    break;
  case 'simulate':
    await simulate(rest);
    break;
  case 'print-schema':
    printSchemaCommand(rest);
    break;
  case '--help':
  case '-h':
  case 'help':
    console.log(HELP);
    break;
  case '--version':
  case '-v':
    console.log(cellgraphVersion());
    break;
  default:
    console.error(`cellgraph: unknown command "${command}"\n\n${HELP}`);
    process.exit(2);
}
