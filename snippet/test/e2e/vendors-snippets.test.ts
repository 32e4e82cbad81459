// Every vendor's official snippet, pasted unmodified: the half of
// vendors.test.ts that runs in a file of its own (see there).
process.env.SAMTYKKE_E2E_VENDORS_HALF = 'snippets';
await import('./vendors.test.ts');

export {};
