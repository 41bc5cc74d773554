#!/usr/bin/env node
'use strict';
/**
 * Send Webhook vs n8n's HTTP Request node inside a real n8n (not a test; loopback only; every
 * loop is bounded). Run `npm run build` first, then `node bench/n8n-send.js`; bench/n8n.js calls
 * `runSendBench({ log })`.
 *
 * One n8n (test/e2e/harness.js) runs the workflows of bench/workflows/send: Webhook (respond
 * when the last node finishes) → Code node making N items → the sender. Senders: Send Webhook
 * v1.1 at its default concurrency and at the maximum, v1 (old default 4) for reference, and
 * HTTP Request with default options (it sends every item at once). A local receiver answers
 * 200 at once ("fast") or after 50 ms ("slow") and counts requests, the most in flight and new
 * TCP connections. Two rates: items ÷ the time from the trigger POST to n8n's answer (what a
 * workflow waits for: the headline figure and ratio), and requests ÷ the time from the first
 * request's arrival at the receiver to the last answer (how hard the receiver is hit; HTTP
 * Request prepares every request before sending any, then bursts them). Runs alternate ours and
 * built-in; figures are medians of the repetitions (max in flight: the largest seen).
 *
 * Env: BENCH_SEND_REPS (default 3), BENCH_SEND_ITEMS (default 1000), N8N_VERSION.
 */
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { performance } = require('node:perf_hooks');

const { startE2E } = require('../test/e2e/harness');

const REPO = path.join(__dirname, '..');
const WORKFLOW_DIR = path.join(__dirname, 'workflows', 'send');
const SLOW_MS = 50;

/** Scenario key → fixture file, label, whether it is the built-in baseline. */
const SCENARIOS = [
	{ key: 'builtin', file: 'builtin-http-request.json', label: 'HTTP Request (built-in, default options)', baseline: true },
	{ key: 'ours', file: 'ours-default.json', label: 'Send Webhook v1.1, default concurrency' },
	{ key: 'oursMax', file: 'ours-max.json', label: 'Send Webhook v1.1, concurrency 100 (max)' },
	{ key: 'oursV1', file: 'ours-v1.json', label: 'Send Webhook v1 (concurrency 4)' },
];
const SENDER_NODE = { builtin: 'HTTP Request', ours: 'Send Webhook', oursMax: 'Send Webhook', oursV1: 'Send Webhook' };

function median(values) {
	const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
	return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : null;
}

/** HTTP receiver on 127.0.0.1 counting requests, the most in flight and new connections. */
async function startReceiver() {
	const state = { delayMs: 0 };
	const reset = () =>
		Object.assign(state, { requests: 0, wrong: 0, inFlight: 0, maxInFlight: 0, connections: 0, firstAt: 0, lastAt: 0 });
	reset();
	const server = http.createServer((req, res) => {
		state.requests++;
		if (req.method !== 'POST' || req.url !== '/in') state.wrong++;
		state.inFlight++;
		state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
		if (!state.firstAt) state.firstAt = performance.now();
		req.resume();
		req.on('end', () => {
			const answer = () => {
				state.inFlight--;
				state.lastAt = performance.now();
				res.writeHead(200, { 'content-type': 'application/json', 'content-length': '11' });
				res.end('{"ok":true}');
			};
			if (state.delayMs) setTimeout(answer, state.delayMs);
			else answer();
		});
	});
	server.on('connection', () => state.connections++);
	// HTTP Request opens ~1000 connections at once: a short accept queue would drop SYNs.
	await new Promise((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve));
	const { port } = server.address();
	return {
		url: `http://127.0.0.1:${port}/in`,
		state,
		reset,
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/** The fixtures with the receiver URL and item count filled in, written to a temp folder. */
async function writeWorkflows(receiverUrl, items) {
	const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'bench-send-wf-'));
	for (const s of SCENARIOS) {
		const text = (await fsp.readFile(path.join(WORKFLOW_DIR, s.file), 'utf8'))
			.replaceAll('__RECEIVER__', receiverUrl)
			.replaceAll('__ITEMS__', String(items));
		await fsp.writeFile(path.join(dir, s.file), text);
	}
	return dir;
}

function otherN8nRunning() {
	try {
		return execFileSync('pgrep', ['-af', 'n8n/bin/n8n'], { encoding: 'utf8' }).trim();
	} catch {
		return '';
	}
}

/** The newest finished execution of a workflow other than `afterId`, with its run data. */
async function newestExecution(api, workflowId, afterId) {
	const deadline = Date.now() + 30000;
	while (Date.now() < deadline) {
		const { data } = await api(`/executions?workflowId=${workflowId}&limit=1&includeData=true`);
		const e = data[0];
		if (e && e.id !== afterId && (e.finished || ['success', 'error', 'crashed', 'canceled'].includes(e.status))) return e;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	throw new Error(`no new execution of ${workflowId} within 30 s`);
}

async function runOnce({ n8n, receiver, scenario, items, lastExecutionId }) {
	const wf = n8n.workflows.find((w) => path.basename(w.file) === scenario.file);
	const hook = wf.webhookUrls.find((h) => h.path.startsWith('bench-send-'));
	receiver.reset();
	const t0 = performance.now();
	const res = await fetch(hook.url, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: '{}',
		signal: AbortSignal.timeout(180000),
	});
	await res.text();
	const e2eMs = performance.now() - t0;
	const s = { ...receiver.state };
	const execution = await newestExecution(n8n.api, wf.id, lastExecutionId);
	const runData = execution.data?.resultData?.runData ?? {};
	const nodeMs = (name) => runData[name]?.[0]?.executionTime ?? null;
	return {
		status: res.status,
		executionId: execution.id,
		executionStatus: execution.status,
		requests: s.requests,
		ok: res.status === 200 && execution.status === 'success' && s.requests === items && s.wrong === 0,
		reqPerSec: s.requests / (e2eMs / 1000),
		receiverReqPerSec: s.lastAt > s.firstAt ? s.requests / ((s.lastAt - s.firstAt) / 1000) : null,
		maxInFlight: s.maxInFlight,
		connections: s.connections,
		e2eMs,
		generateMs: nodeMs('Make items'),
		senderMs: nodeMs(SENDER_NODE[scenario.key]),
	};
}

/**
 * Runs the benchmark; returns one row per (receiver, scenario):
 * {receiver, scenario, label, reps, items, reqPerSec, ratioToHttpRequest, receiverReqPerSec,
 *  receiverRatioToHttpRequest, maxInFlight, requestsOk, e2eMs, generateMs, senderMs,
 *  connections, n8nVersion}
 */
async function runSendBench({
	log = (msg) => process.stderr.write(`${msg}\n`),
	reps = Number(process.env.BENCH_SEND_REPS) || 3,
	items = Number(process.env.BENCH_SEND_ITEMS) || 1000,
	build = false,
} = {}) {
	if (!build && !fs.existsSync(path.join(REPO, 'dist', 'nodes', 'SendWebhook', 'SendWebhook.node.js'))) {
		throw new Error('dist/ is missing: run `npm run build` first');
	}
	const busy = otherN8nRunning();
	if (busy) log(`note: another n8n is running on this machine; figures may be lower:\n${busy}`);

	const receiver = await startReceiver();
	const workflowDir = await writeWorkflows(receiver.url, items);
	let n8n;
	try {
		log(`starting n8n with ${SCENARIOS.length} workflows (receiver ${receiver.url})`);
		n8n = await startE2E({ workflows: [workflowDir], build, env: { BENCH_SEND_RECEIVER_URL: receiver.url } });
		const lastIds = {};
		const samples = {};
		for (const mode of ['slow', 'fast']) {
			receiver.state.delayMs = mode === 'slow' ? SLOW_MS : 0;
			// Warm-up (not counted): first execution of each workflow loads code, opens the runner.
			for (const scenario of SCENARIOS) {
				const r = await runOnce({ n8n, receiver, scenario, items, lastExecutionId: lastIds[scenario.key] });
				lastIds[scenario.key] = r.executionId;
			}
			for (let rep = 0; rep < reps; rep++) {
				// Alternate the order so that neither side always runs first.
				const order = rep % 2 === 0 ? SCENARIOS : [...SCENARIOS].reverse();
				for (const scenario of order) {
					const r = await runOnce({ n8n, receiver, scenario, items, lastExecutionId: lastIds[scenario.key] });
					lastIds[scenario.key] = r.executionId;
					(samples[`${mode}:${scenario.key}`] ??= []).push(r);
					log(
						`${mode} ${scenario.key.padEnd(7)} rep ${rep + 1}: ${r.reqPerSec.toFixed(0)} req/s (receiver: ${r.receiverReqPerSec?.toFixed(0)}), max in flight ${r.maxInFlight}, ` +
							`${r.requests} requests${r.ok ? '' : ` NOT OK (status ${r.status}, execution ${r.executionStatus})`}, ${r.e2eMs.toFixed(0)} ms`,
					);
				}
			}
		}

		const rows = [];
		for (const mode of ['slow', 'fast']) {
			const baseline = median(samples[`${mode}:builtin`].map((r) => r.reqPerSec));
			const receiverBaseline = median(samples[`${mode}:builtin`].map((r) => r.receiverReqPerSec));
			for (const scenario of SCENARIOS) {
				const runs = samples[`${mode}:${scenario.key}`];
				const reqPerSec = median(runs.map((r) => r.reqPerSec));
				const receiverReqPerSec = median(runs.map((r) => r.receiverReqPerSec));
				rows.push({
					receiver: mode === 'slow' ? `answers after ${SLOW_MS} ms` : 'answers at once',
					scenario: scenario.key,
					label: scenario.label,
					reps: runs.length,
					items,
					reqPerSec,
					ratioToHttpRequest: baseline ? reqPerSec / baseline : null,
					receiverReqPerSec,
					receiverRatioToHttpRequest: receiverBaseline ? receiverReqPerSec / receiverBaseline : null,
					maxInFlight: Math.max(...runs.map((r) => r.maxInFlight)),
					requestsOk: runs.every((r) => r.ok),
					e2eMs: median(runs.map((r) => r.e2eMs)),
					generateMs: median(runs.map((r) => r.generateMs)),
					senderMs: median(runs.map((r) => r.senderMs)),
					connections: median(runs.map((r) => r.connections)),
					n8nVersion: n8n.n8nVersion,
				});
			}
		}
		return rows;
	} finally {
		if (n8n) await n8n.stop();
		await receiver.close();
		await fsp.rm(workflowDir, { recursive: true, force: true });
	}
}

/** The rows as a markdown table. */
function formatSendTable(rows) {
	const n = (v, digits = 0) => (v === null || v === undefined ? '–' : v.toFixed(digits));
	const lines = [
		`| Receiver | Sender (${rows[0]?.items ?? ''} items, one request each) | req/s (items ÷ POST→answer) | × HTTP Request | req/s at receiver (1st request → last answer) | × HTTP Request | max in flight | all ${rows[0]?.items ?? ''} received | POST→answer ms | Code node ms | sender node ms | new TCP conns |`,
		'|---|---|--:|--:|--:|--:|--:|:-:|--:|--:|--:|--:|',
	];
	for (const r of rows) {
		lines.push(
			`| ${r.receiver} | ${r.label} | ${n(r.reqPerSec)} | ${n(r.ratioToHttpRequest, 2)} | ${n(r.receiverReqPerSec)} | ${n(r.receiverRatioToHttpRequest, 2)} | ${r.maxInFlight} | ${r.requestsOk ? 'yes' : 'NO'} | ` +
				`${n(r.e2eMs)} | ${n(r.generateMs)} | ${n(r.senderMs)} | ${n(r.connections)} |`,
		);
	}
	return lines.join('\n');
}

module.exports = { runSendBench, formatSendTable };

if (require.main === module) {
	runSendBench()
		.then((rows) => {
			process.stdout.write(
				`${formatSendTable(rows)}\n\nMedians of ${rows[0]?.reps} runs each (max in flight: largest seen), n8n ${rows[0]?.n8nVersion}, loopback. ` +
					'New TCP conns: opened during the run; Send Webhook keeps idle sockets 4 s, so a run right after another reuses them.\n',
			);
			process.exit(0);
		})
		.catch((error) => {
			process.stderr.write(`${error.stack || error}\n`);
			process.exit(1);
		});
}
