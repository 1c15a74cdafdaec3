#!/usr/bin/env node
// Builds the dashboard (dashboard/ → dist/dashboard) when the build is missing or older
// than any of its sources, so `npm start` and `npm test` serve a current dashboard straight
// after `git clone` or a pull. Plain Node: run by prestart/pretest after ensure-deps.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const built = path.join(root, 'dist/dashboard/index.html');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(file) : statSync(file).mtimeMs);
  }
  return latest;
}

const sources = Math.max(newest(path.join(root, 'dashboard')), statSync(path.join(root, 'package-lock.json')).mtimeMs);
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
  console.error('cellgraph: building the dashboard (vite build)...');
  execSync('npx vite build --config dashboard/vite.config.ts', { cwd: root, stdio: 'inherit' });
}
