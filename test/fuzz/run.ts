/**
 * How many runs each property gets, and a report line per property.
 *
 * `npm test` runs this folder with a small count (FUZZ_RUNS unset); `npm run fuzz` sets
 * FUZZ_RUNS=100000 (or what you give it). The in-process n8n properties are slower per run and
 * get FUZZ_N8N_RUNS, by default a fifth of FUZZ_RUNS when FUZZ_RUNS is set.
 *
 * Every property prints one line to stderr: runs, elapsed time, time per run and the seed, so the
 * numbers can be quoted. With FUZZ_REPORT=<file> the same facts are appended there as JSON lines.
 * A failure throws fast-check's own report (seed, path and the shrunk counterexample): re-run it
 * with FUZZ_SEED=<seed> FUZZ_PATH=<path> to replay exactly that case.
 */
import { appendFileSync } from 'node:fs';

import * as fc from 'fast-check';

function count(name: string): number | undefined {
	const raw = process.env[name];
	if (raw === undefined || raw.trim() === '') return undefined;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
	return value;
}

/** Runs per parser/verifier property: 300 inside `npm test`, FUZZ_RUNS under `npm run fuzz`. */
export const RUNS = count('FUZZ_RUNS') ?? 300;

/** Runs per trigger of the in-process n8n property (one request each, about 1 ms). */
export const N8N_RUNS = count('FUZZ_N8N_RUNS') ?? (count('FUZZ_RUNS') !== undefined ? Math.max(100, Math.floor(RUNS / 5)) : 30);

/**
 * Properties that found a bug in the product, kept with their counterexample: skipped unless
 * FUZZ_KNOWN_BUGS=1, so that they do not block `npm test` until the bug is fixed.
 */
export const KNOWN_BUGS = process.env.FUZZ_KNOWN_BUGS === '1';

/** Jest's timeout for one property: generous under `npm run fuzz`, 60 s otherwise. */
export const FUZZ_TIMEOUT_MS = RUNS > 2_000 || N8N_RUNS > 200 ? 6 * 60 * 60 * 1000 : 60_000;

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const PATH = process.env.FUZZ_PATH;

/** FUZZ_NO_SHRINK=1 reports the first failing input as found (shrinking can slide to another failure). */
const NO_SHRINK = process.env.FUZZ_NO_SHRINK === '1';

function replayParameters<Ts>(): fc.Parameters<Ts> {
	const replay: fc.Parameters<Ts> = SEED === undefined ? {} : PATH ? { seed: SEED, path: PATH } : { seed: SEED };
	return NO_SHRINK ? { ...replay, endOnFailure: true } : replay;
}

/** What the runs of the current property ended in (accepted, 401 bad_signature ...), for the report. */
let tally = new Map<string, number>();

/** Counts one run's outcome under `label`; the report shows the distribution. */
export function note(label: string): void {
	tally.set(label, (tally.get(label) ?? 0) + 1);
}

function distribution(): string {
	const total = [...tally.values()].reduce((sum, n) => sum + n, 0);
	if (total === 0) return '';
	const parts = [...tally.entries()].sort((a, b) => b[1] - a[1]).map(([label, n]) => `${label} ${((100 * n) / total).toFixed(1)}%`);
	return ` [${parts.join(', ')}]`;
}

function report<Ts>(name: string, details: fc.RunDetails<Ts>, elapsedMs: number): void {
	const perRunUs = details.numRuns > 0 ? (elapsedMs * 1000) / details.numRuns : 0;
	const verdict = details.failed ? `FAILED (seed ${details.seed}, path ${details.counterexamplePath})` : 'ok';
	process.stderr.write(
		`[fuzz] ${name}: ${details.numRuns} runs in ${(elapsedMs / 1000).toFixed(2)} s (${perRunUs.toFixed(0)} µs/run), seed ${details.seed}, ${verdict}${distribution()}\n`,
	);
	const file = process.env.FUZZ_REPORT;
	if (file) {
		const line = {
			property: name,
			runs: details.numRuns,
			skipped: details.numSkips,
			elapsedMs: Math.round(elapsedMs),
			seed: details.seed,
			failed: details.failed,
			outcomes: Object.fromEntries(tally),
		};
		appendFileSync(file, `${JSON.stringify(line)}\n`);
	}
}

function finish<Ts>(name: string, details: fc.RunDetails<Ts>, started: bigint): void {
	report(name, details, Number(process.hrtime.bigint() - started) / 1e6);
	if (!details.failed) return;
	const cause = details.errorInstance instanceof Error ? details.errorInstance : new Error(String(details.errorInstance));
	throw new Error(`${name}\n${fc.defaultReportMessage(details) ?? 'failed'}\n\nGot: ${cause.name}: ${cause.message}\n${cause.stack?.split('\n').slice(1, 8).join('\n') ?? ''}`);
}

/** Runs a synchronous property `numRuns` times (default {@link RUNS}) and reports it. */
export function checkProperty<Ts>(name: string, property: fc.IProperty<Ts>, parameters: fc.Parameters<Ts> = {}): void {
	tally = new Map();
	const started = process.hrtime.bigint();
	const details = fc.check(property, { numRuns: RUNS, ...parameters, ...replayParameters<Ts>() });
	finish(name, details, started);
}

/** The same for an asynchronous property (default {@link N8N_RUNS}). */
export async function checkAsyncProperty<Ts>(name: string, property: fc.IAsyncProperty<Ts>, parameters: fc.Parameters<Ts> = {}): Promise<void> {
	tally = new Map();
	const started = process.hrtime.bigint();
	const details = await fc.check(property, { numRuns: N8N_RUNS, ...parameters, ...replayParameters<Ts>() });
	finish(name, details, started);
}

/** A jest test that is one property. */
export function fuzz<Ts>(name: string, property: () => fc.IProperty<Ts>, parameters?: fc.Parameters<Ts>): void {
	test(name, () => checkProperty(name, property(), parameters), FUZZ_TIMEOUT_MS);
}

/** Per-process counter, read when a property RUNS (not when its input is generated), so that a
 * re-run of the same input (fast-check replays inputs while shrinking) is still a fresh delivery
 * for a replay cache. */
let nonceCounter = 0;
export function nextNonce(): number {
	nonceCounter += 1;
	return nonceCounter;
}
