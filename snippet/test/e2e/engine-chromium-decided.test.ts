// The every-engine checks in Chromium from the first decision on; see every-engine.ts.
import { everyEngine } from './every-engine.ts';

everyEngine('chromium', 'decided');
