// Lets node's test runner load the TypeScript sources and tests directly:
// `node --import @samtykke/testkit/ts-hook --test file.test.ts`. esbuild
// strips the types; `npm run typecheck` is what checks them.
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
