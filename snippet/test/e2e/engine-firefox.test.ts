// The every-engine checks in Firefox up to the first decision; see every-engine.ts.
import { everyEngine } from './every-engine.ts';

everyEngine('firefox', 'undecided');
