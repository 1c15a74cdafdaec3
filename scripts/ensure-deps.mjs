#!/usr/bin/env node
// Runs `npm ci` when node_modules is missing or older than package-lock.json, so
// `npm start` and `npm test` work straight after `git clone`. Plain Node: it
// runs before any dependency exists.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs;
if (stale) {
  console.error('cellgraph: installing dependencies (npm ci)...');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
