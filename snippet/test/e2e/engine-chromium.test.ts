// The every-engine checks in Chromium up to the first decision; see every-engine.ts.
import { everyEngine } from './every-engine.ts';

everyEngine('chromium', 'undecided');
