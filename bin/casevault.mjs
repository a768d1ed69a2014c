#!/usr/bin/env node
// casevault's command line, runnable right after `npm ci` with no build step: tsx's ESM
// loader compiles src/cli on the fly (and caches the result between runs).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main();
