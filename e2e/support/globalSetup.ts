import { build } from 'vite';
import { fileURLToPath } from 'node:url';

/** Builds the page once into dist/ui; every test's shell serves it. */
export default async function globalSetup(): Promise<void> {
  await build({ configFile: fileURLToPath(new URL('../../src/ui/vite.config.ts', import.meta.url)) });
}
