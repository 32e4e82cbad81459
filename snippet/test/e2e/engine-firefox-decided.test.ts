// The every-engine checks in Firefox from the first decision on; see every-engine.ts.
import { everyEngine } from './every-engine.ts';

everyEngine('firefox', 'decided');
