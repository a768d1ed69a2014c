/**
 * Builds the settings page into dist/ui: index.html + its bundle (loaded by Electron and by
 * the browser shell alike) and bridge.js, the browser shell's `window.app` (the shell adds
 * its script tag to index.html; Electron's preload provides `window.app` instead).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: './',
  plugins: [preact({ prefreshEnabled: false, devToolsEnabled: false })],
  logLevel: 'warn',
  build: {
    outDir: here('../../dist/ui'),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    rolldownOptions: {
      input: { index: here('index.html'), bridge: here('../server/browserBridge.ts') },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'bridge' ? 'bridge.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
});
