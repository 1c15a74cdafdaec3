#!/usr/bin/env node
// Runs `npm ci` when node_modules is missing or older than package-lock.json, so
// `npm start` and `npm test` work straight after `git clone`. Plain Node: it
// runs before any dependency exists. Also says, once, when this Node is older
// than package.json's "engines" (.npmrc keeps npm's own per-package warnings quiet).
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';

const wanted = JSON.parse(readFileSync('package.json', 'utf8')).engines?.node ?? '';
const floor = /^>=\s*(\d+)\.(\d+)/.exec(wanted);
const [major, minor] = process.versions.node.split('.').map(Number);
if (floor && (major < Number(floor[1]) || (major === Number(floor[1]) && minor < Number(floor[2])))) {
  console.error(
    `cellgraph: Node ${process.versions.node} is older than the supported ${wanted} (what the dependencies declare); ` +
      'the test suite also runs on it in CI, but production images use the current LTS.',
  );
}

const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs;
if (stale) {
  console.error('cellgraph: installing dependencies (npm ci)...');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
