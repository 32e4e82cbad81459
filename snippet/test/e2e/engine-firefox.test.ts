// The every-engine checks in Firefox; see every-engine.ts.
import { everyEngine } from './every-engine.ts';

everyEngine('firefox');
