// The every-engine checks in WebKit from the first decision on; see every-engine.ts.
import { everyEngine } from './every-engine.ts';

everyEngine('webkit', 'decided');
