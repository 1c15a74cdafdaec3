import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import codegenConfig, { generatedDirs } from '../../codegen.js';
import { printCellgraphSchema } from '../../src/schema/index.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('checked-in artifacts', () => {
  it('schema.graphql is what the Pothos schema prints (run `npm run schema:print`)', () => {
    expect(printCellgraphSchema()).toBe(readFileSync(path.join(root, 'schema.graphql'), 'utf8'));
  });

  it('test/generated and dashboard/src/generated are what codegen produces from schema.graphql (run `npm run codegen`)', async () => {
    const outputs = (await generate({ ...codegenConfig, cwd: root, silent: true }, false)) as {
      filename: string;
      content: string;
    }[];
    // Every target produced its files (a target dropped from the config would otherwise go unchecked).
    for (const dir of generatedDirs) {
      expect(outputs.some((output) => path.resolve(root, output.filename).startsWith(path.resolve(root, dir)))).toBe(
        true,
      );
    }
    for (const output of outputs) {
      const file = path.resolve(root, output.filename);
      expect(generatedDirs.some((dir) => file.startsWith(path.resolve(root, dir)))).toBe(true);
      expect(readFileSync(file, 'utf8'), `${output.filename} is stale`).toBe(output.content);
    }
  });
});
