'use strict';
// Real-n8n end-to-end harness for `node --test` (plain CommonJS).
//
//   const { startE2E } = require('./harness');
//   const n8n = await startE2E({ workflows: [file], credentials: credsFileOrArray });
//   await fetch(n8n.webhookUrl('my-path'), { method: 'POST', body: '{}' });
//   const [execution] = await n8n.waitForExecutions({ workflowId: n8n.workflows[0].id, count: 1 });
//   await n8n.stop();
//
// `startE2E({ mode: 'queue', workers })` starts the queue-mode stack of scripts/queue-stack.js
// instead (Postgres, Redis, main, webhook processor, workers) and returns the same shape:
// `baseUrl` is main (API, editor), `webhookBaseUrl` and the workflows' `webhookUrls` are on the
// webhook processor, `stack` is the full handle (pids, kill, restart, logs).
//
// `startE2E({ tarball })` installs that packed package (e.g. from `npm pack`) instead of packing
// the repo: test/e2e/pack.test.js proves a clean copy's `npm pack` this way.
//
// Env: N8N_VERSION (n8n to test against), N8N_E2E_SKIP_BUILD=1 (pack the current dist/ as is),
// N8N_E2E_KEEP=1 (keep the temp user folder and its logs after stop), N8N_E2E_MODE=queue (the
// default mode of startE2E: run a single-instance suite against the queue-mode stack).

const fs = require('node:fs');
const fsp = require('node:fs/promises');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const rt = require('../../scripts/n8n-runtime');

const running = new Set();
let builtOnce = false;

// A crashed test run must not leave n8n process groups behind.
process.on('exit', () => {
	for (const pid of running) {
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {}
	}
});

function portFree(port) {
	return new Promise((resolve) => {
		const srv = net.createServer();
		srv.once('error', () => resolve(false));
		srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
	});
}

/** A port p such that p and p+1 (the task-runner broker) are free; never 5678/5679. */
async function freePortPair() {
	for (let i = 0; i < 50; i++) {
		const port = await new Promise((resolve, reject) => {
			const srv = net.createServer();
			srv.once('error', reject);
			srv.listen(0, '127.0.0.1', () => {
				const { port: p } = srv.address();
				srv.close(() => resolve(p));
			});
		});
		if (port >= 65535 || port === 5678 || port === 5679 || port === 5677) continue;
		if (await portFree(port + 1)) return port;
	}
	throw new Error('no free port pair found');
}

/**
 * Starts an isolated n8n in a temp user folder with this package installed and the given
 * workflows (files or folders) and credentials (file or array) imported and activated.
 */
async function startE2E({
	mode = process.env.N8N_E2E_MODE || 'single',
	workflows = [],
	credentials,
	port,
	env = {},
	n8nVersion,
	build = process.env.N8N_E2E_SKIP_BUILD !== '1' && !builtOnce,
	keepUserFolder = process.env.N8N_E2E_KEEP === '1',
	readyTimeoutMs = 120000,
	workers,
	ports,
	tarball,
} = {}) {
	if (tarball && mode !== 'single') throw new Error('startE2E: a tarball is installed in single mode only');
	const n8n = await rt.ensureN8n(n8nVersion);
	const userFolder = await fsp.mkdtemp(path.join(os.tmpdir(), `n8n-e2e-${mode === 'queue' ? 'queue-' : ''}`));
	if (mode === 'queue') return startQueueE2E({ n8n, userFolder, workflows, credentials, env, build, keepUserFolder, readyTimeoutMs, workers, ports });
	if (mode !== 'single') throw new Error(`unknown mode ${mode} (single or queue)`);
	let handle;
	try {
		// As n8n's installer: the packed package, its runtime dependencies installed by npm on
		// n8n's own Node.
		const install = await rt.installPackage(userFolder, { build: build && !tarball, tarball, n8n });
		builtOnce = builtOnce || (build && !tarball);
		const imported = await rt.importWorkflows(userFolder, { workflows, credentials, n8n });
		port = port || (await freePortPair());
		handle = await rt.startN8n({ userFolder, port, env, n8n, readyTimeoutMs, onSpawn: ({ pid }) => running.add(pid) });
		const login = await rt.setupOwner(handle.baseUrl, { userFolder });
		const api = rt.publicApi(handle.baseUrl, login.apiKey, login.cookie);
		const failures = await rt.activateWorkflows(api, imported.map((w) => w.id));
		if (failures.length) throw new Error(`activation failed: ${JSON.stringify(failures)}`);
		const { baseUrl } = handle;
		const webhooks = await rt.registeredWebhooks(n8n, userFolder, baseUrl, {
			waitForWorkflowIds: imported.filter((w) => w.hasWebhooks).map((w) => w.id),
		});

		const stop = async () => {
			await handle.stop();
			running.delete(handle.pid);
			if (keepUserFolder) rt.log(`kept ${userFolder} (log: ${handle.logFile})`);
			else await fsp.rm(userFolder, { recursive: true, force: true });
		};

		/**
		 * Polls the public API until `count` finished executions of `workflowId` exist; returns
		 * them oldest first, with data. Throws on timeout (the message lists what was seen).
		 */
		const waitForExecutions = (opts) => rt.waitForExecutions(api, opts);

		/** Production webhook URL; polls until n8n serves it (it may 404 right after activation). */
		const webhookUrl = (webhookPath) => `${baseUrl}/webhook/${String(webhookPath).replace(/^\//, '')}`;

		return {
			mode,
			baseUrl,
			webhookBaseUrl: baseUrl,
			port: handle.port,
			pid: handle.pid,
			userFolder,
			logFile: handle.logFile,
			login,
			n8nVersion: n8n.version,
			install, // {dir, version, changed, installOutput}
			// webhookUrls: what n8n registered for each (now active) workflow.
			workflows: imported.map((w) => ({ ...w, webhookUrls: webhooks.filter((h) => h.workflowId === w.id) })),
			api,
			apiKey: login.apiKey, // the owner's key (n8n 1.x allows one per user)
			webhookUrl,
			waitForExecutions,
			stop,
		};
	} catch (e) {
		if (handle) {
			await handle.stop();
			running.delete(handle.pid);
			const tail = fs.existsSync(handle.logFile) ? fs.readFileSync(handle.logFile, 'utf8').split('\n').slice(-30).join('\n') : '';
			e.message += `\n--- ${handle.logFile} (tail) ---\n${tail}`;
		}
		if (!keepUserFolder) await fsp.rm(userFolder, { recursive: true, force: true });
		throw e;
	}
}

/**
 * startE2E's queue mode: the stack of scripts/queue-stack.js in the temp user folder, in the
 * shape single-instance suites use (plus `stack`).
 */
async function startQueueE2E({ n8n, userFolder, workflows, credentials, env, build, keepUserFolder, readyTimeoutMs, workers, ports }) {
	// Required here: single-instance runs never load (nor install) the queue-mode services.
	const { startQueueStack } = require('../../scripts/queue-stack');
	let stack;
	try {
		stack = await startQueueStack({ userFolder, workflows, credentials, env, n8n, build, readyTimeoutMs, workers, ports });
	} catch (e) {
		if (!keepUserFolder) await fsp.rm(userFolder, { recursive: true, force: true });
		else rt.log(`kept ${userFolder}`);
		throw e;
	}
	builtOnce = builtOnce || build;
	const stop = async () => {
		await stack.stop();
		if (keepUserFolder) rt.log(`kept ${userFolder} (logs: ${path.join(userFolder, 'logs')})`);
		else await fsp.rm(userFolder, { recursive: true, force: true });
	};
	return {
		mode: 'queue',
		baseUrl: stack.mainUrl,
		webhookBaseUrl: stack.webhookUrl,
		port: stack.ports.main,
		pid: stack.pids.main,
		userFolder,
		logFile: stack.processes.main.logFile,
		login: stack.login,
		n8nVersion: n8n.version,
		workflows: stack.workflows,
		api: stack.api,
		webhookUrl: (webhookPath) => `${stack.webhookUrl}/webhook/${String(webhookPath).replace(/^\//, '')}`,
		waitForExecutions: stack.waitForExecutions,
		stop,
		stack,
	};
}

/**
 * POSTs to a production webhook, retrying on 404 for a short while: n8n may not have
 * registered the webhook yet right after activation.
 */
async function postWebhook(url, { body = '{}', headers = { 'content-type': 'application/json' }, method = 'POST', timeoutMs = 10000 } = {}) {
	return rt.poll(
		async () => {
			const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(10000) });
			if (res.status === 404) {
				await res.arrayBuffer();
				return false;
			}
			return { status: res.status, headers: res.headers, text: await res.text() };
		},
		{ timeoutMs, intervalMs: 200, what: `${url} to stop answering 404` },
	);
}

/**
 * node:test with the timeout as a last argument: `test(name, fn, ms)`, `before(fn, ms)`.
 * With `skip` (a reason), every test is reported as skipped and `before` does nothing.
 */
function e2eTest({ skip } = {}) {
	const { test, before, after } = require('node:test');
	return {
		test: (name, fn, timeout) => test(name, { timeout, skip: skip || false }, fn),
		before: (fn, timeout) => before(skip ? () => {} : fn, { timeout }),
		after: (fn, timeout) => after(fn, { timeout }),
	};
}

module.exports = { startE2E, postWebhook, freePortPair, e2eTest };
