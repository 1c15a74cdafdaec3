import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import codegenConfig from '../../codegen.js';
import { printCellgraphSchema } from '../../src/schema/index.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('checked-in artifacts', () => {
  it('schema.graphql is what the Pothos schema prints (run `npm run schema:print`)', () => {
    expect(printCellgraphSchema()).toBe(readFileSync(path.join(root, 'schema.graphql'), 'utf8'));
  });

  it('test/generated is what codegen produces from schema.graphql and test/operations (run `npm run codegen`)', async () => {
    const outputs = (await generate({ ...codegenConfig, cwd: root, silent: true }, false)) as {
      filename: string;
      content: string;
    }[];
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) {
      const file = path.resolve(root, output.filename);
      expect(file.startsWith(path.join(root, 'test', 'generated'))).toBe(true);
      expect(readFileSync(file, 'utf8'), `${output.filename} is stale`).toBe(output.content);
    }
  });
});
