// Package consent holds Samtykke's domain: sites and what their banner shows,
// consent receipts and the rules they must satisfy, the per-site counters the
// dashboard reads, and the Store interface that every storage backend
// implements. It imports no HTTP or database package, so the rules here are the
// same whichever store or transport carries them.
package consent
