#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:n8n`: what this package's triggers cost a real n8n, side by side with n8n's own
 * Webhook node, under n8n's default expression engine and with lazy isolates
 * (N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true); then Send Webhook against the HTTP Request node
 * (bench/n8n-send.js). A benchmark, not a test: loopback only, every loop bounded.
 *
 * Per workflow "trigger (respond immediately) → Set": n8n main CPU ms per execution (utime +
 * stime of the whole process, every thread: isolated-vm works on its own threads), req/s with
 * 1 client and with 50, ack p50/p99 at 50 clients, executions created vs deliveries accepted.
 * Each trigger runs right after the built-in Webhook node with header auth (its baseline) and
 * is reported as a ratio to it: these machines are shared and noisy.
 *
 * Settings (env): BENCH_REPS (3), BENCH_SEQ (40 requests, 1 client), BENCH_CONC (150 requests,
 * 50 clients), BENCH_WAIT_REQ (200 requests to the Wait 5 s workflows), BENCH_MODES
 * ("default,lazy"), BENCH_SKIP_SEND=1, BENCH_SKIP_RSS=1.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');

const rt = require('../scripts/n8n-runtime');
const { startE2E } = require('../test/e2e/harness');
const { createRoomleToken } = require('../dist/nodes/shared/roomleToken');
const wf = require('./n8n-workflows');
const { median, percentile, sendDeliveries } = require('./lib');

const REPS = Number(process.env.BENCH_REPS || 3);
const SEQ = Number(process.env.BENCH_SEQ || 40);
const CONC = Number(process.env.BENCH_CONC || 150);
const CLIENTS = 50;
const WAIT_REQ = Number(process.env.BENCH_WAIT_REQ || 200);
const MODES = (process.env.BENCH_MODES || 'default,lazy').split(',');
const CLK_TCK = 100; // Linux USER_HZ: /proc reports CPU time in 1/100 s
const FINISHED = ['success', 'error', 'crashed', 'canceled'];

const log = (msg) => process.stderr.write(`[bench:n8n] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// measuring

/** CPU seconds (user + system) of a process, all threads, including threads that ended. */
function processCpuMs(pid) {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

function rssMiB(pid) {
	const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
	return Number(line.split(/\s+/)[1]) / 1024;
}

/** Executions per workflow id and status, read from n8n's SQLite file by a separate process. */
async function executionCounts(n8n, userFolder) {
	const rows = await rt.sqliteRows(n8n, userFolder, 'SELECT workflowId, status, COUNT(*) FROM execution_entity GROUP BY 1, 2');
	const counts = {};
	for (const [w, s, n] of rows) {
		counts[w] = counts[w] || { all: 0, finished: 0, success: 0 };
		counts[w].all += n;
		if (FINISHED.includes(s)) counts[w].finished += n;
		if (s === 'success') counts[w].success += n;
	}
	return counts;
}

/** Waits until `workflowId` has `expected` finished executions (or 90 s pass). */
async function settle(ctx, workflowId, expected) {
	const deadline = Date.now() + 90000;
	for (;;) {
		const c = (await executionCounts(ctx.n8n, ctx.userFolder))[workflowId] || { all: 0, finished: 0, success: 0 };
		if (c.finished >= expected || Date.now() > deadline) return c;
		await new Promise((r) => setTimeout(r, 300));
	}
}

// ---------------------------------------------------------------------------------------------
// load

/** Sends `total` deliveries from `clients` concurrent clients; returns status counts and ack ms. */
async function load(url, delivery, { total, clients }) {
	const { records, seconds } = await sendDeliveries(url, () => ({ id: '', ...delivery() }), { total, clients });
	const statuses = {};
	for (const r of records) statuses[r.status] = (statuses[r.status] || 0) + 1;
	const accepted = records.filter((r) => typeof r.status === 'number' && r.status < 300).length;
	return { reqPerSec: total / seconds, acks: records.map((r) => r.ms), statuses, accepted };
}

/**
 * One measured unit: `SEQ` requests from 1 client, then `CONC` from 50; CPU is read once the
 * executions of both phases have finished, so it includes running them.
 */
async function unit(ctx, target) {
	const url = ctx.urls[target.workflowId];
	const before = await settle(ctx, target.workflowId, 0);
	const cpu0 = processCpuMs(ctx.pid);
	const seq = await load(url, target.delivery, { total: SEQ, clients: 1 });
	const conc = await load(url, target.delivery, { total: CONC, clients: CLIENTS });
	const accepted = seq.accepted + conc.accepted;
	const after = await settle(ctx, target.workflowId, before.finished + accepted);
	const cpuMs = processCpuMs(ctx.pid) - cpu0;
	return {
		cpuPerExec: cpuMs / Math.max(1, after.all - before.all),
		seqReqPerSec: seq.reqPerSec,
		concReqPerSec: conc.reqPerSec,
		p50: percentile(conc.acks, 50),
		p99: percentile(conc.acks, 99),
		accepted,
		created: after.all - before.all,
		statuses: mergeCounts(seq.statuses, conc.statuses),
	};
}

function mergeCounts(a, b) {
	const out = { ...a };
	for (const [k, v] of Object.entries(b)) out[k] = (out[k] || 0) + v;
	return out;
}

// ---------------------------------------------------------------------------------------------
// scenarios

/** Valid deliveries per workflow (fresh signatures and tokens for every request). */
function deliveries(secrets) {
	const json = (value) => Buffer.from(JSON.stringify(value));
	const jsonType = { 'content-type': 'application/json' };
	let n = 0;
	const id = () => `bench-${process.pid}-${++n}`;
	return {
		builtinNone: () => ({ body: json({ id: id() }), headers: jsonType }),
		builtinHeader: () => ({ body: json({ id: id() }), headers: { ...jsonType, [secrets.header.name]: secrets.header.value } }),
		synthesisVr: () => ({
			body: json([{ uuid: id(), action: 'create', location: 'Bench', stations: 1, customerid: 1 }]),
			headers: jsonType,
			query: `?token=${encodeURIComponent(secrets.synthesisVr)}`,
		}),
		synchub: () => {
			const body = json({ event: 'sync_run.completed', runId: id(), status: 'failed' });
			const signature = crypto.createHmac('sha256', secrets.synchub).update(body).digest('hex');
			return { body, headers: { ...jsonType, 'x-synchub-signature': signature } };
		},
		apiRtc: () => ({
			body: json({ event: 'update', time: 1575976413, object: 'ticket', objectId: id(), props: { state: 'invited' } }),
			headers: { 'content-type': 'application/JSON', [secrets.apiRtc.headerName]: secrets.apiRtc.secret },
		}),
		roomle: () => ({
			body: json({ event: 'email.shareConfiguration', data: { email: `${id()}@example.com`, success: true } }),
			headers: { ...jsonType, token: createRoomleToken({ ...secrets.roomle, date: new Date() }) },
		}),
		eventWebhook: () => ({
			body: json({ event_time: 1700000000, event_type: 'order.created', current_context: {}, data: { id: id() } }),
			headers: { ...jsonType, 'x-api-key': secrets.eventWebhook },
		}),
		eventWebhookNone: () => ({
			body: json({ event_time: 1700000000, event_type: 'order.created', current_context: {}, data: { id: id() } }),
			headers: jsonType,
		}),
	};
}

/** Built-in baseline first, then ours; each pair measured back to back, `REPS` times. */
async function triggerPairs(ctx, send) {
	const pairs = [
		['builtinNone', 'eventWebhookNone', 'Event Webhook Trigger (auth None)'],
		['builtinHeader', 'synthesisVr', 'SynthesisVR Trigger (token)'],
		['builtinHeader', 'synchub', 'SYNCHUB Trigger (HMAC-SHA256)'],
		['builtinHeader', 'apiRtc', 'ApiRTC Trigger (custom header)'],
		['builtinHeader', 'roomle', 'Roomle Trigger (AES token, answer at once)'],
		['builtinHeader', 'eventWebhook', 'Event Webhook Trigger (API key)'],
	];
	const results = pairs.map(([base, ours, label]) => ({ base, ours, label, baseRuns: [], oursRuns: [] }));
	for (let rep = 1; rep <= REPS; rep++) {
		for (const r of results) {
			r.baseRuns.push(await unit(ctx, { workflowId: wf.ids[r.base], delivery: send[r.base] }));
			r.oursRuns.push(await unit(ctx, { workflowId: wf.ids[r.ours], delivery: send[r.ours] }));
			const [b, o] = [r.baseRuns.at(-1), r.oursRuns.at(-1)];
			log(`${ctx.mode} rep ${rep} ${r.label}: ${o.cpuPerExec.toFixed(1)} vs ${b.cpuPerExec.toFixed(1)} ms CPU/exec`);
		}
	}
	return results;
}

/** SynthesisVR → Wait 5 s and the built-in → Wait 5 s, 50 clients: acks while executions wait. */
async function waitScenario(ctx, send) {
	const rows = [];
	for (const [key, label] of [['builtinWait', 'built-in Webhook → Wait 5 s'], ['synthesisVrWait', 'SynthesisVR Trigger → Wait 5 s']]) {
		const workflowId = wf.ids[key];
		const delivery = key === 'builtinWait' ? send.builtinHeader : send.synthesisVr;
		const before = await settle(ctx, workflowId, 0);
		const cpu0 = processCpuMs(ctx.pid);
		const res = await load(ctx.urls[workflowId], delivery, { total: WAIT_REQ, clients: CLIENTS });
		const after = await settle(ctx, workflowId, before.finished + res.accepted);
		rows.push({
			label,
			cpuPerExec: (processCpuMs(ctx.pid) - cpu0) / Math.max(1, after.all - before.all),
			reqPerSec: res.reqPerSec,
			p50: percentile(res.acks, 50),
			p99: percentile(res.acks, 99),
			accepted: res.accepted,
			created: after.all - before.all,
			succeeded: after.success - before.success,
			statuses: res.statuses,
		});
		log(`${ctx.mode} ${label}: ack p99 ${rows.at(-1).p99.toFixed(0)} ms`);
	}
	return rows;
}

async function runMode(mode, files) {
	const env = { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: mode === 'lazy' ? 'true' : 'false' };
	log(`starting n8n (${mode} engine settings: ${JSON.stringify(env)})`);
	const instance = await startE2E({ workflows: [files.workflowsDir], credentials: files.credentialsFile, env, build: false });
	try {
		const n8n = await rt.ensureN8n();
		const urls = Object.fromEntries(instance.workflows.map((w) => [w.id, w.webhookUrls[0].url]));
		const ctx = { mode, pid: instance.pid, n8n, userFolder: instance.userFolder, urls };
		const send = deliveries(files.secrets);
		log('warm-up');
		for (const key of Object.keys(wf.ids)) {
			const delivery = send[key] || (key === 'builtinWait' ? send.builtinHeader : send.synthesisVr);
			await load(urls[wf.ids[key]], delivery, { total: 10, clients: 2 });
		}
		await new Promise((r) => setTimeout(r, 6000)); // the warm-up's Wait executions
		const pairs = await triggerPairs(ctx, send);
		const waits = await waitScenario(ctx, send);
		return { mode, pairs, waits, n8nVersion: instance.n8nVersion };
	} finally {
		await instance.stop();
	}
}

// ---------------------------------------------------------------------------------------------
// idle memory: the package installed vs not, same n8n, alternated

async function idleRss() {
	const n8n = await rt.ensureN8n();
	const samples = { with: [], without: [] };
	for (let rep = 0; rep < 2; rep++) {
		for (const variant of ['without', 'with']) {
			const userFolder = await fsp.mkdtemp(path.join(os.tmpdir(), 'bench-rss-'));
			try {
				if (variant === 'with') await rt.installPackage(userFolder, { build: false });
				const port = await require('../test/e2e/harness').freePortPair();
				const handle = await rt.startN8n({ userFolder, port, n8n });
				await new Promise((r) => setTimeout(r, 15000)); // let start-up garbage be collected
				samples[variant].push(rssMiB(handle.pid));
				await handle.stop();
			} finally {
				await fsp.rm(userFolder, { recursive: true, force: true });
			}
		}
	}
	return { with: median(samples.with), without: median(samples.without), samples };
}

// ---------------------------------------------------------------------------------------------
// report

const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const ms = (x) => (Number.isFinite(x) ? `${Math.round(x)}` : '–');

function pairTable(result) {
	const lines = [
		`#### ${result.mode === 'lazy' ? 'Lazy isolates (N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true)' : "n8n's defaults (N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE unset)"}`,
		'',
		'| trigger → Set | CPU ms/exec (ours / built-in) | CPU ratio | req/s 1 client (ratio) | req/s 50 clients (ratio) | ack p50 / p99 at 50 (built-in) | executions / accepted |',
		'|---|---|---|---|---|---|---|',
	];
	for (const r of result.pairs) {
		const m = (runs, k) => median(runs.map((x) => x[k]));
		const [oc, bc] = [m(r.oursRuns, 'cpuPerExec'), m(r.baseRuns, 'cpuPerExec')];
		const created = r.oursRuns.reduce((n, x) => n + x.created, 0);
		const accepted = r.oursRuns.reduce((n, x) => n + x.accepted, 0);
		const base = r.base === 'builtinNone' ? 'no auth' : 'header auth';
		lines.push(
			`| ${r.label} vs built-in (${base}) | ${f1(oc)} / ${f1(bc)} | **${f2(oc / bc)}×** | ${f1(m(r.oursRuns, 'seqReqPerSec'))} (${f2(m(r.oursRuns, 'seqReqPerSec') / m(r.baseRuns, 'seqReqPerSec'))}×) | ${f1(m(r.oursRuns, 'concReqPerSec'))} (${f2(m(r.oursRuns, 'concReqPerSec') / m(r.baseRuns, 'concReqPerSec'))}×) | ${ms(m(r.oursRuns, 'p50'))} / ${ms(m(r.oursRuns, 'p99'))} ms (${ms(m(r.baseRuns, 'p50'))} / ${ms(m(r.baseRuns, 'p99'))}) | ${created} / ${accepted} |`,
		);
	}
	lines.push('', '| → Wait 5 s, 50 clients | CPU ms/exec | req/s | ack p50 / p99 | executions / accepted / succeeded |', '|---|---|---|---|---|');
	for (const w of result.waits) {
		lines.push(`| ${w.label} | ${f1(w.cpuPerExec)} | ${f1(w.reqPerSec)} | ${ms(w.p50)} / ${ms(w.p99)} ms | ${w.created} / ${w.accepted} / ${w.succeeded} |`);
	}
	return lines.join('\n');
}

async function main() {
	const started = Date.now();
	const files = await wf.writeBenchFiles();
	const out = [];
	const cpus = os.cpus();
	out.push(`Machine: ${cpus.length} × ${cpus[0]?.model?.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ${REPS} repetitions of ${SEQ} sequential + ${CONC} requests at ${CLIENTS} clients per row; medians.`);
	try {
		for (const mode of MODES) {
			const result = await runMode(mode, files);
			out.push('', pairTable(result));
			if (!out[0].includes('n8n ')) out[0] = `n8n ${result.n8nVersion} (SQLite). ${out[0]}`;
		}
	} finally {
		await fsp.rm(files.dir, { recursive: true, force: true });
	}
	if (process.env.BENCH_SKIP_RSS !== '1') {
		log('idle RSS with and without the package');
		const rss = await idleRss();
		out.push('', `Idle RSS of n8n main: ${f1(rss.with)} MiB with the package, ${f1(rss.without)} MiB without (${f1(rss.with - rss.without)} MiB; samples ${JSON.stringify(rss.samples)}).`);
	}
	if (process.env.BENCH_SKIP_SEND !== '1') {
		const { runSendBench, formatSendTable } = require('./n8n-send');
		out.push('', formatSendTable(await runSendBench({ log })));
	}
	out.push('', `Total bench time: ${Math.round((Date.now() - started) / 1000)} s.`);
	process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((e) => {
	process.stderr.write(`${e.stack || e}\n`);
	process.exit(1);
});
