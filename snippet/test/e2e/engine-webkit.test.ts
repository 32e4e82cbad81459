// The every-engine checks in WebKit; see every-engine.ts.
import { everyEngine } from './every-engine.ts';

everyEngine('webkit');
