#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:load`: load and faults against a real n8n, regular mode (one process, SQLite)
 * and queue mode (main + webhook processor + 2 workers, Postgres + Redis). A benchmark, not a
 * test: loopback only, every loop bounded.
 *
 * - Load: BENCH_LOAD_N (10,000) valid deliveries from 100 clients to the Event Webhook Trigger
 *   (answer at once → Set): 2xx / 4xx / 5xx / timeouts, executions created and succeeded.
 * - SynthesisVR Trigger → Wait 5 s, 50 clients: ack p50 / p99, every execution finished.
 * - Faults, BENCH_FAULT_REPS (3) times each, during BENCH_FAULT_N (600) deliveries to
 *   "Event Webhook Trigger → Wait 1 s → Set" (20 clients, one delivery a second each), once with
 *   Respond: Immediately and once with Respond: After the Workflow (the load generator then
 *   retries like a sender that retries: bench/lib.js `retryable`): kill -9 a worker, kill -9 the
 *   webhook processor, restart Redis (queue mode); kill -9 n8n (regular mode). Then every
 *   execution is left to end, the recovery template runs, and each acknowledged delivery is
 *   traced by its id through the stored execution data: finished, failed, recovered, lost (no
 *   stored execution holds it), duplicated (more than one successful run).
 *
 * - "queue-defaults": kill -9 a worker again, with n8n's own QUEUE_WORKER_* settings instead of
 *   the shorter ones of "queue": what becomes of the dead worker's executions with each.
 *
 * Settings (env): BENCH_LOAD_N, BENCH_FAULT_N, BENCH_FAULT_REPS, BENCH_LOAD_MODES ("regular,queue,queue-defaults"),
 * BENCH_SKIP_LOAD=1, BENCH_SKIP_FAULTS=1, BENCH_FAULTS (comma-separated fault names, e.g. "kill -9 a worker").
 */
const crypto = require('node:crypto');
const fsp = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');

const rt = require('../scripts/n8n-runtime');
const { startE2E } = require('../test/e2e/harness');
const { startQueueStack } = require('../scripts/queue-stack');
const { sendDeliveries, summarize } = require('./lib');
const { uuid } = require('./n8n-workflows');

const LOAD_N = Number(process.env.BENCH_LOAD_N || 10000);
const FAULT_N = Number(process.env.BENCH_FAULT_N || 600);
const FAULT_REPS = Number(process.env.BENCH_FAULT_REPS || 3);
const MODES = (process.env.BENCH_LOAD_MODES || 'regular,queue,queue-defaults').split(',');
const PKG = 'n8n-nodes-vendor-webhooks';
const RECOVERY_TEMPLATE = path.join(__dirname, '..', 'templates', 'recover-failed-deliveries.json');
// Shorter than n8n's defaults (60 s lock, 10 s renewal, 30 s stalled check), compared with
// them in "queue-defaults": n8n's stall handling is what replaces a dead worker's execution data,
// so shorter locks shrink the window in which the recovery template can still retry it.
const QUEUE_WORKER_ENV = { QUEUE_WORKER_LOCK_DURATION: '10000', QUEUE_WORKER_LOCK_RENEW_TIME: '2000', QUEUE_WORKER_STALLED_INTERVAL: '5000' };

const log = (msg) => process.stderr.write(`[bench:load] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// workflows

const ids = { plain: 'loadEventPlain00', immediate: 'loadEventImmed00', after: 'loadEventAfter00', svrWait: 'loadSvrWait00000' };

function workflow(key, trigger, waitSeconds) {
	const node = (name, type, typeVersion, parameters, extra = {}) => ({ id: uuid(`${key}:${name}`), name, type, typeVersion, position: [0, 0], parameters, ...extra });
	const nodes = [node('Trigger', trigger.type, 2, trigger.parameters, { webhookId: uuid(`${key}:hook`), credentials: trigger.credentials })];
	if (waitSeconds) nodes.push(node('Wait', 'n8n-nodes-base.wait', 1.1, { resume: 'timeInterval', amount: waitSeconds, unit: 'seconds' }, { webhookId: uuid(`${key}:wait`) }));
	nodes.push(node('Set', 'n8n-nodes-base.set', 3.4, { assignments: { assignments: [{ id: uuid(`${key}:a`), name: 'seen', value: '={{ $json.data ? 1 : 0 }}', type: 'number' }] }, options: {} }));
	const connections = {};
	for (let i = 0; i + 1 < nodes.length; i++) connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	return { id: ids[key], name: `bench load: ${key}`, nodes, connections, settings: { executionOrder: 'v1' }, active: false };
}

function benchFiles(secrets) {
	const event = (respond) => ({
		type: `${PKG}.eventWebhookTrigger`,
		parameters: { respond, options: {} },
		credentials: { eventWebhookApi: { id: 'loadEventKey0000', name: 'load event key' } },
	});
	const svr = { type: `${PKG}.synthesisVrTrigger`, parameters: { authentication: 'none', options: {} } };
	return {
		workflows: [workflow('plain', event('onReceived')), workflow('immediate', event('onReceived'), 1), workflow('after', event('lastNode'), 1), workflow('svrWait', svr, 5)],
		credentials: [{ id: 'loadEventKey0000', name: 'load event key', type: 'eventWebhookApi', data: { apiKey: secrets.apiKey } }],
	};
}

/**
 * The bench workflows, the recovery template calling the API of the n8n main at `mainPort` (as a
 * user sets it), and the credentials: the event key (also the recovery's "Run now" key) and the
 * n8n API credential, filled with a real API key once n8n runs.
 */
async function writeFiles(secrets, mainPort) {
	const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'bench-load-'));
	const { workflows, credentials } = benchFiles(secrets);
	const workflowsDir = path.join(dir, 'workflows');
	await fsp.mkdir(workflowsDir);
	for (const w of workflows) await fsp.writeFile(path.join(workflowsDir, `${w.id}.json`), JSON.stringify(w));
	const recovery = (await fsp.readFile(RECOVERY_TEMPLATE, 'utf8')).replaceAll('http://localhost:5678/api/v1', `http://127.0.0.1:${mainPort}/api/v1`);
	await fsp.writeFile(path.join(workflowsDir, path.basename(RECOVERY_TEMPLATE)), recovery);
	credentials.push(
		{ id: 'vwhEventHook0001', name: 'Event Webhook', type: 'eventWebhookApi', data: { apiKey: secrets.apiKey } },
		{ id: 'vwhN8nApi0000001', name: 'n8n API', type: 'n8nApi', data: { apiKey: 'set-once-n8n-runs', baseUrl: '' } },
	);
	const credentialsFile = path.join(dir, 'credentials.json');
	await fsp.writeFile(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
	return { dir, workflowsDir, credentialsFile, mainPort };
}

/** Event deliveries with ids unique to this run (`<run>-<n>`), traced later in execution data. */
function eventDelivery(run, apiKey) {
	return (n) => {
		const id = `${run}-${n}`;
		const body = JSON.stringify({ event_time: Math.floor(Date.now() / 1000), event_type: 'load.test', current_context: {}, data: { deliveryId: id } });
		return { id, body, headers: { 'content-type': 'application/json', 'x-api-key': apiKey } };
	};
}

// ---------------------------------------------------------------------------------------------
// the two modes behind one interface

/** Regular mode: one n8n on SQLite; `restart()` starts it again on the same folder after a crash. */
async function regularInstance(files) {
	const e2e = await startE2E({ workflows: [files.workflowsDir], credentials: files.credentialsFile, port: files.mainPort, build: false, keepUserFolder: true });
	const n8n = await rt.ensureN8n();
	let handle = { pid: e2e.pid };
	return {
		mode: 'regular',
		api: e2e.api,
		baseUrl: e2e.baseUrl,
		workflowId: (file) => e2e.workflows.find((w) => path.basename(w.file) === file).id,
		url: (workflowId) => e2e.workflows.find((w) => w.id === workflowId).webhookUrls[0].url,
		rows: (query) => rt.sqliteRows(n8n, e2e.userFolder, query),
		async crash() {
			process.kill(-handle.pid, 'SIGKILL');
			await new Promise((r) => setTimeout(r, 500));
			handle = await rt.startN8n({ userFolder: e2e.userFolder, port: e2e.port, n8n });
		},
		async stop() {
			if (handle.stop) await handle.stop();
			else await e2e.stop();
			await fsp.rm(e2e.userFolder, { recursive: true, force: true });
		},
	};
}

async function queueInstance(files, mode) {
	const userFolder = await fsp.mkdtemp(path.join(os.tmpdir(), 'bench-queue-'));
	const env = mode === 'queue' ? QUEUE_WORKER_ENV : {};
	const stack = await startQueueStack({ userFolder, workflows: [files.workflowsDir], credentials: files.credentialsFile, ports: { main: files.mainPort }, workers: 2, env });
	return {
		mode,
		api: stack.api,
		baseUrl: stack.mainUrl,
		workflowId: (file) => stack.workflows.find((w) => path.basename(w.file) === file).id,
		url: (workflowId) => stack.workflows.find((w) => w.id === workflowId).webhookUrls[0].url,
		rows: async (query) => (await stack.sql(query)).map((row) => row.map((v) => (/^\d+$/.test(v) ? Number(v) : v))),
		stack,
		async stop() {
			await stack.stop();
			await fsp.rm(userFolder, { recursive: true, force: true });
		},
	};
}

const killWorker = async (inst) => {
	await inst.stack.kill('worker1');
	await inst.stack.restart('worker1');
};

/**
 * What runs in each mode. "queue-defaults" is queue mode with n8n's own QUEUE_WORKER_* settings,
 * for one comparison only: how long a dead worker's executions take to end.
 */
const FAULTS = {
	regular: { 'kill -9 n8n': (inst) => inst.crash() },
	'queue-defaults': { 'kill -9 a worker': killWorker },
	queue: {
		'kill -9 a worker': killWorker,
		'kill -9 the webhook processor': async (inst) => {
			await inst.stack.kill('webhook');
			await inst.stack.restart('webhook');
		},
		'restart Redis': async (inst) => {
			await inst.stack.kill('redis');
			await inst.stack.restart('redis');
		},
	},
};

// ---------------------------------------------------------------------------------------------
// tracing deliveries through the stored executions

const ENDED = new Set(['success', 'error', 'crashed', 'canceled']);

async function statusCounts(inst, workflowId) {
	const rows = await inst.rows(`SELECT status, COUNT(*) FROM execution_entity WHERE "workflowId" = '${workflowId}' GROUP BY 1`);
	return Object.fromEntries(rows.map(([s, n]) => [s, Number(n)]));
}

/** Waits until no execution of `workflowId` is new, running or waiting (or `timeoutMs` passes). */
async function settleAll(inst, workflowId, { min = 0, timeoutMs = 240000 } = {}) {
	const deadline = Date.now() + timeoutMs;
	let stuck = { shape: '', since: Date.now() };
	for (;;) {
		const counts = await statusCounts(inst, workflowId);
		const total = Object.values(counts).reduce((a, b) => a + b, 0);
		const open = Object.entries(counts).filter(([s]) => !ENDED.has(s)).reduce((a, [, n]) => a + n, 0);
		// A kill -9 can leave rows that nothing will move: "new" with no job (a request cut before
		// its answer; n8n crashes it only at its next queue recovery, hours later), or "running"
		// after a single n8n restarted. Twenty seconds without any status changing ends the run;
		// what is left is counted (orphans: never answered; unfinished: acknowledged).
		const shape = JSON.stringify(counts);
		if (shape !== stuck.shape) stuck = { shape, since: Date.now() };
		const still = open > 0 && Date.now() - stuck.since >= 20000;
		const orphans = still ? counts.new || 0 : 0;
		if ((open === 0 && total >= min) || still || Date.now() > deadline) return { counts, total, open, orphans };
		await new Promise((r) => setTimeout(r, 1000));
	}
}

/** For each delivery id of this run: the statuses of the stored executions that hold it. */
async function trace(inst, workflowId, run) {
	const rows = await inst.rows(`SELECT e.id, e.status, d.data FROM execution_entity e JOIN execution_data d ON d."executionId" = e.id WHERE e."workflowId" = '${workflowId}'`);
	const byDelivery = new Map();
	const pattern = new RegExp(`${run}-\\d+`, 'g');
	for (const [, status, data] of rows) {
		for (const id of new Set(String(data).match(pattern) || [])) {
			if (!byDelivery.has(id)) byDelivery.set(id, []);
			byDelivery.get(id).push(status);
		}
	}
	return byDelivery;
}

/** BENCH_DEBUG=1: what the sender saw for each lost delivery, and the rows the trace could not read. */
async function explainLost(inst, workflowId, records, after) {
	const lost = records.filter((r) => typeof r.status === 'number' && r.status < 300 && !after.has(r.id));
	log(`lost: ${JSON.stringify(lost)}`);
	const rows = await inst.rows(`SELECT e.id, e.status, e."startedAt", e."stoppedAt", length(d.data) FROM execution_entity e LEFT JOIN execution_data d ON d."executionId" = e.id WHERE e."workflowId" = '${workflowId}' AND (d.data IS NULL OR e.status <> 'success') ORDER BY e.id DESC LIMIT 50`);
	log(`rows without data or not successful: ${JSON.stringify(rows)}`);
}

/** Turns the acknowledged ids and their executions into the fault table's counts. */
function classify(acked, before, after) {
	const out = { acknowledged: acked.length, finished: 0, failed: 0, recovered: 0, lost: 0, duplicated: 0, unfinished: 0 };
	for (const id of acked) {
		const first = before.get(id) || [];
		const last = after.get(id) || [];
		const successes = last.filter((s) => s === 'success').length;
		if (last.length === 0) out.lost++;
		else if (first.includes('success')) out.finished++;
		else if (successes > 0) out.recovered++;
		else if (last.some((s) => !ENDED.has(s))) out.unfinished++;
		if (!first.includes('success') && first.some((s) => s === 'error' || s === 'crashed')) out.failed++;
		if (successes > 1) out.duplicated++;
	}
	return out;
}

// ---------------------------------------------------------------------------------------------
// recovery: the template, run through its "Run now" trigger

async function prepareRecovery(inst, baseUrl) {
	const { data: key } = await inst.api('/rest/api-keys', {
		method: 'POST',
		body: { label: 'bench recovery', scopes: ['execution:list', 'execution:read', 'execution:retry'], expiresAt: null },
	});
	await rt.setCredentialData(inst.api, 'vwhN8nApi0000001', { apiKey: key.rawApiKey, baseUrl: `${baseUrl}/api/v1` });
}

async function runRecovery(inst, apiKey) {
	const recoveryId = inst.workflowId(path.basename(RECOVERY_TEMPLATE));
	const before = (await settleAll(inst, recoveryId)).total;
	const body = JSON.stringify({ event_time: Math.floor(Date.now() / 1000), event_type: 'recovery.run', current_context: {}, data: {} });
	const { records } = await sendDeliveries(inst.url(recoveryId), () => ({ id: 'recovery', body, headers: { 'content-type': 'application/json', 'x-api-key': apiKey } }), { total: 1, clients: 1 });
	if (records[0].status !== 200) throw new Error(`recovery run answered ${records[0].status}`);
	await settleAll(inst, recoveryId, { min: before + 1 });
	// How many lost deliveries the run reported ("Report lost deliveries" fails the run with their count).
	const [[status, data]] = await inst.rows(`SELECT e.status, d.data FROM execution_entity e JOIN execution_data d ON d."executionId" = e.id WHERE e."workflowId" = '${recoveryId}' ORDER BY e.id DESC LIMIT 1`);
	// Only a failed run reports: a successful one may quote earlier reports in what it listed.
	const reported = status === 'error' ? /(\d+) acknowledged deliveries were lost/.exec(String(data)) : null;
	if (process.env.BENCH_DEBUG === '1') {
		const [[id]] = await inst.rows(`SELECT id FROM execution_entity WHERE "workflowId" = '${recoveryId}' ORDER BY id DESC LIMIT 1`);
		const run = await inst.api(`/executions/${id}?includeData=true`);
		const summary = run.data?.resultData?.runData?.Summary?.[0]?.data?.main?.[0]?.[0]?.json;
		log(`recovery ${id} (${status}): ${JSON.stringify({ checked: summary?.checked, skipped: summary?.skipped, lost: summary?.lost?.map((l) => `${l.executionId}@${l.workflowId}`), retried: summary?.retried?.length })}`);
	}
	return { status, reportedLost: reported ? Number(reported[1]) : 0 };
}

// ---------------------------------------------------------------------------------------------
// scenarios

async function loadScenario(inst, apiKey) {
	const workflowId = ids.plain;
	const run = `load${Date.now().toString(36)}`;
	const { records, seconds } = await sendDeliveries(inst.url(workflowId), eventDelivery(run, apiKey), { total: LOAD_N, clients: 100 });
	const sum = summarize(records);
	const { counts, total } = await settleAll(inst, workflowId, { min: sum['2xx'] });
	log(`${inst.mode} load: ${sum['2xx']} acknowledged in ${seconds.toFixed(0)} s, ${total} executions: ${JSON.stringify(sum)}`);
	return { ...sum, reqPerSec: LOAD_N / seconds, executions: total, succeeded: counts.success || 0 };
}

async function waitScenario(inst) {
	const run = `wait${Date.now().toString(36)}`;
	const delivery = (n) => ({ id: `${run}-${n}`, body: JSON.stringify([{ uuid: `${run}-${n}`, action: 'create', location: 'Bench', stations: 1, customerid: n }]), headers: { 'content-type': 'application/json' } });
	const { records } = await sendDeliveries(inst.url(ids.svrWait), delivery, { total: 200, clients: 50 });
	const sum = summarize(records);
	const { counts, total } = await settleAll(inst, ids.svrWait, { min: sum['2xx'] });
	return { ...sum, executions: total, succeeded: counts.success || 0 };
}

/** One fault during one load run; returns the fault table's counts for that run. */
async function faultRun(inst, apiKey, { respond, fault }) {
	const workflowId = respond === 'after' ? ids.after : ids.immediate;
	const run = `f${Date.now().toString(36)}`;
	let injected;
	let injectedAt;
	const onProgress = (sent) => {
		if (sent === Math.floor(FAULT_N / 3) && !injected) {
			injectedAt = Date.now();
			injected = FAULTS[inst.mode][fault](inst);
		}
	};
	const retry = respond === 'after' ? { attempts: 10, waitMs: 2000 } : undefined;
	// 20 clients, one delivery a second each: the run lasts FAULT_N / 20 seconds, and deliveries go
	// on arriving while the killed process restarts, as a vendor's would.
	const { records } = await sendDeliveries(inst.url(workflowId), eventDelivery(run, apiKey), { total: FAULT_N, clients: 20, timeoutMs: 20000, retry, paceMs: 1000, onProgress });
	await injected;
	const acked = records.filter((r) => typeof r.status === 'number' && r.status < 300).map((r) => r.id);
	const { orphans } = await settleAll(inst, workflowId);
	// From the fault to every execution ended (n8n declaring the dead ones failed or crashed).
	const settledSec = (Date.now() - injectedAt) / 1000;
	const before = await trace(inst, workflowId, run);
	const { reportedLost } = await runRecovery(inst, apiKey);
	await settleAll(inst, workflowId);
	const after = await trace(inst, workflowId, run);
	const result = { ...classify(acked, before, after), reportedLost, orphans, settledSec, sent: FAULT_N, ...summarize(records) };
	if (result.lost > 0 && process.env.BENCH_DEBUG === '1') await explainLost(inst, workflowId, records, after);
	log(`${inst.mode} ${fault} (${respond}): ${JSON.stringify(result)}`);
	return result;
}

async function runMode(mode, apiKey) {
	const mainPort = await require('../test/e2e/harness').freePortPair();
	const files = await writeFiles({ apiKey }, mainPort);
	log(`starting ${mode} mode`);
	const inst = mode === 'regular' ? await regularInstance(files) : await queueInstance(files, mode);
	const defaultsOnly = mode === 'queue-defaults';
	const result = { mode };
	try {
		await prepareRecovery(inst, inst.baseUrl);
		if (process.env.BENCH_SKIP_LOAD !== '1' && !defaultsOnly) {
			result.load = await loadScenario(inst, apiKey);
			result.wait = await waitScenario(inst);
			log(`${mode} wait: ${JSON.stringify(result.wait)}`);
		}
		if (process.env.BENCH_SKIP_FAULTS !== '1') {
			result.faults = [];
			const only = process.env.BENCH_FAULTS?.split(',');
			for (const fault of Object.keys(FAULTS[mode]).filter((f) => !only || only.includes(f))) {
				for (const respond of defaultsOnly ? ['immediate'] : ['immediate', 'after']) {
					for (let rep = 0; rep < FAULT_REPS; rep++) result.faults.push({ fault, respond, rep, ...(await faultRun(inst, apiKey, { respond, fault })) });
				}
			}
		}
		return result;
	} finally {
		await inst.stop();
		await fsp.rm(files.dir, { recursive: true, force: true });
	}
}

// ---------------------------------------------------------------------------------------------
// report

const ms = (x) => (Number.isFinite(x) ? `${Math.round(x)}` : '–');

function report(results) {
	const lines = [];
	const cpus = os.cpus();
	lines.push(`n8n 2.41.1; ${cpus.length} × ${cpus[0]?.model?.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; queue mode: main + webhook processor + 2 workers (concurrency 5), Postgres + Redis (AOF); "queue": ${JSON.stringify(QUEUE_WORKER_ENV)}, "queue-defaults": n8n's defaults.`, '');
	lines.push(`| mode | ${LOAD_N} deliveries, 100 clients | 2xx | 4xx | 5xx | timeouts | errors | req/s | ack p50 / p99 | executions | succeeded |`, '|---|---|---|---|---|---|---|---|---|---|---|');
	for (const r of results.filter((x) => x.load)) {
		const l = r.load;
		lines.push(`| ${r.mode} | Event Webhook → Set | ${l['2xx']} | ${l['4xx']} | ${l['5xx']} | ${l.timeout} | ${l.error} | ${l.reqPerSec.toFixed(1)} | ${ms(l.p50)} / ${ms(l.p99)} ms | ${l.executions} | ${l.succeeded} |`);
		const w = r.wait;
		lines.push(`| ${r.mode} | SynthesisVR → Wait 5 s, 200 at 50 clients | ${w['2xx']} | ${w['4xx']} | ${w['5xx']} | ${w.timeout} | ${w.error} | – | ${ms(w.p50)} / ${ms(w.p99)} ms | ${w.executions} | ${w.succeeded} |`);
	}
	lines.push('', `| mode | fault (during ${FAULT_N} deliveries, 20 clients) | Respond | runs | acknowledged | finished | failed (error/crashed) | recovered | lost | lost, reported by the recovery | duplicated | unfinished | rows left "new", never answered | fault → all ended (s) |`, '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
	for (const r of results.filter((x) => x.faults)) {
		const groups = new Map();
		for (const f of r.faults) {
			const key = `${f.fault}|${f.respond}`;
			if (!groups.has(key)) groups.set(key, []);
			groups.get(key).push(f);
		}
		for (const [key, runs] of groups) {
			const [fault, respond] = key.split('|');
			const sum = (k) => runs.map((x) => x[k]).join(' / ');
			lines.push(`| ${r.mode} | ${fault} | ${respond === 'after' ? 'After the Workflow' : 'Immediately'} | ${runs.length} | ${sum('acknowledged')} | ${sum('finished')} | ${sum('failed')} | ${sum('recovered')} | ${sum('lost')} | ${sum('reportedLost')} | ${sum('duplicated')} | ${sum('unfinished')} | ${sum('orphans')} | ${runs.map((x) => Math.round(x.settledSec)).join(' / ')} |`);
		}
	}
	return lines.join('\n');
}

async function main() {
	const started = Date.now();
	const apiKey = crypto.randomBytes(18).toString('base64url');
	const results = [];
	for (const mode of MODES) results.push(await runMode(mode, apiKey));
	process.stdout.write(`${report(results)}\n\nTotal bench time: ${Math.round((Date.now() - started) / 1000)} s.\n`);
}

main().catch((e) => {
	process.stderr.write(`${e.stack || e}\n`);
	process.exit(1);
});
