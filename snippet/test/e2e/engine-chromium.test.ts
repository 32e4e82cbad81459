// The every-engine checks in Chromium; see every-engine.ts.
import { everyEngine } from './every-engine.ts';

everyEngine('chromium');
