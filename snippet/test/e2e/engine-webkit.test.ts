// The every-engine checks in WebKit up to the first decision; see every-engine.ts.
import { everyEngine } from './every-engine.ts';

everyEngine('webkit', 'undecided');
