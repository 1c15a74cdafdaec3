import { writeFileSync } from 'node:fs';
import { printCellgraphSchema } from '../schema/index.js';

/** `cellgraph print-schema [file]`: writes the SDL built from the Pothos schema. */
export function printSchemaCommand(argv: string[]): void {
  const sdl = printCellgraphSchema();
  if (argv[0]) writeFileSync(argv[0], sdl);
  else process.stdout.write(sdl);
}
