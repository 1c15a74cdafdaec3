import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/**
 * The built-in dashboard, compiled at build time into ../dist/dashboard and
 * served by cellgraph at `/` (src/server/dashboardAssets.ts). Everything is
 * bundled: it works where the cluster has no internet.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [preact()],
  logLevel: 'warn',
  build: {
    outDir: '../dist/dashboard',
    emptyOutDir: true,
    // The server precompresses every file (br, gzip) at start; no need to report sizes here.
    reportCompressedSize: false,
    target: 'es2022',
  },
});
