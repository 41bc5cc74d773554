#!/usr/bin/env node
'use strict';
// `npm start`: a local n8n (data in .n8n-local/) with this package installed and the
// templates imported and active. Env: N8N_PORT (5678), N8N_VERSION (2.41.1),
// N8N_IMPORT_CREDENTIALS (a credentials JSON file to import along with the templates),
// N8N_TEMPLATES_DIR (templates/). `--no-build`: install dist/ as it is (npm run dev builds).
// n8n runs as in production (NODE_ENV=production): its error answers carry no stack traces, its
// rate limits are on, and a start after a crash waits 10 s for its crash journal.
// The template handling (demo credentials, import when changed, the listing) and the ready curl
// per template it prints once n8n runs (a valid delivery signed with the demo secrets:
// scripts/demo-send.js builds them) are shared with `npm run start:queue` (scripts/start-queue.js).

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const rt = require('./n8n-runtime');

const templatesDir = path.resolve(process.env.N8N_TEMPLATES_DIR || path.join(rt.REPO_ROOT, 'templates'));

function templateFiles() {
	if (!fs.existsSync(templatesDir)) return [];
	return fs
		.readdirSync(templatesDir)
		.filter((f) => f.endsWith('.json'))
		.sort()
		.map((f) => path.join(templatesDir, f))
		.filter((f) => Array.isArray(JSON.parse(fs.readFileSync(f, 'utf8')).nodes)); // workflows only
}

function hashInputs(files) {
	const h = crypto.createHash('sha256');
	for (const f of files) h.update(path.basename(f)).update('\0').update(fs.readFileSync(f)).update('\0');
	return h.digest('hex');
}

/**
 * The templates reference credentials by id. On the first start, create them with random
 * secrets (kept in the user folder, mode 600) so every template activates; replace the values
 * with your vendor's in the editor (Credentials). npm start prints them only inside the curl
 * commands of the demo deliveries; npm run demo:send reads them from this file.
 */
function demoCredentialsFile(userFolder) {
	const file = path.join(userFolder, 'demo-credentials.json');
	const random = (bytes = 24) => crypto.randomBytes(bytes).toString('base64url');
	const wanted = [
		['vwhSynthesisVr01', 'SynthesisVR Webhook', 'synthesisVrWebhookApi', () => ({ token: random() })],
		['vwhSynchub000001', 'SYNCHUB Webhook', 'synchubWebhookApi', () => ({ secret: random(), previousSecret: '' })],
		['vwhApiRtc0000001', 'ApiRTC Webhook', 'apiRtcWebhookApi', () => ({ headerName: 'X-Webhook-Secret', secret: random() })],
		// A Roomle secret is an AES key: exactly 16, 24 or 32 characters.
		['vwhRoomle0000001', 'Roomle Webhook', 'roomleWebhookApi', () => ({ apiKey: random(12), secret: random(12) })],
		['vwhEventHook0001', 'Event Webhook', 'eventWebhookApi', () => ({ apiKey: random(), previousApiKey: '' })],
		['vwhStdWebhooks01', 'Standard Webhooks', 'standardWebhooksApi', () => ({ secret: `whsec_${crypto.randomBytes(24).toString('base64')}` })],
		['vwhHmacSecret001', 'Webhook HMAC Secret', 'webhookHmacSecretApi', () => ({ secret: random(), previousSecret: '' })],
	];
	// A folder from an earlier version keeps its secrets and gains the credentials added since.
	const existing = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
	const missing = wanted.filter(([id]) => !existing.some((c) => c.id === id));
	if (missing.length === 0) return file;
	const credentials = [...existing, ...missing.map(([id, name, type, data]) => ({ id, name, type, data: data() }))];
	fs.mkdirSync(userFolder, { recursive: true });
	fs.writeFileSync(file, JSON.stringify(credentials, null, '\t'), { mode: 0o600 });
	return file;
}

/**
 * What to import into `userFolder`: the templates and the credentials (N8N_IMPORT_CREDENTIALS or
 * the demo ones), only when they changed since the last successful start (`stale`). Import
 * `workflows` + `credentials`, activate, then call `done()` if every activation worked.
 */
function templatePlan(userFolder) {
	const files = templateFiles();
	const credentials = process.env.N8N_IMPORT_CREDENTIALS || demoCredentialsFile(userFolder);
	const stampFile = path.join(userFolder, 'templates.sha256');
	const hash = hashInputs(credentials ? [...files, credentials] : files);
	const stale = !fs.existsSync(stampFile) || fs.readFileSync(stampFile, 'utf8').trim() !== hash;
	const todo = stale && Boolean(files.length || credentials);
	return {
		stale: todo,
		workflows: todo ? files : [],
		credentials: todo ? credentials : undefined,
		done: () => stale && fs.writeFileSync(stampFile, hash + '\n'),
	};
}

/** Lines listing every workflow (GET /workflows) with its production webhook URLs. */
function workflowLines(workflows, webhooks) {
	const lines = [];
	for (const wf of workflows) {
		const urls = webhooks.filter((h) => h.workflowId === wf.id);
		lines.push(`  ${wf.name} (${wf.active ? 'active' : 'INACTIVE'}, id ${wf.id}):`);
		for (const u of urls) lines.push(`      ${u.method} ${u.url}   [${u.node}]`);
		if (!urls.length) lines.push('      (no production webhooks registered)');
	}
	return lines;
}

/**
 * Lines with a ready curl per template whose webhook n8n registered (`workflows`: GET /workflows,
 * `webhooks`: rt.registeredWebhooks): a valid delivery signed now with the secrets of
 * `credentialsFile`, built by scripts/demo-send.js (the package's own signing code in dist/).
 */
function curlLines(workflows, webhooks, credentialsFile, { templates = templatesDir, demoSend = demoSendCommand() } = {}) {
	const demo = require('./demo-send');
	const samples = demo.SAMPLES.filter((s) => fs.existsSync(path.join(templates, s.template)));
	const credentials = JSON.parse(fs.readFileSync(credentialsFile, 'utf8'));
	const lines = [];
	let validForSec = 0;
	for (const d of demo.buildDeliveries(samples, credentials, { templatesDir: templates })) {
		const wf = workflows.find((w) => w.name === d.workflowName && w.active);
		const hook = wf && webhooks.find((h) => h.workflowId === wf.id && h.node === d.node);
		if (!hook) continue;
		const marks = [d.validForSec ? `valid for ${d.validForSec} s (*)` : '', d.sample.note ?? ''].filter(Boolean).join('; ');
		validForSec = Math.max(validForSec, d.validForSec ?? 0);
		lines.push(`  ${d.sample.template}${marks ? ` (${marks})` : ''}:`, `    ${demo.curlCommand(hook.url, d.valid)}`);
	}
	if (!lines.length) return [];
	return [
		`Try a delivery: one curl per template, signed with the secrets in ${path.relative(process.cwd(), credentialsFile) || credentialsFile} (mode 600):`,
		...lines,
		...(validForSec
			? [
					`  (*) a Roomle token carries its time: accepted for ${validForSec} s after this start (the trigger's tolerance); a copy within that window`,
					'      is answered as a duplicate without running the workflow.',
				]
			: []),
		`  Fresh deliveries any time: ${demoSend} <synthesisvr|synchub|apirtc|roomle|event|github|all>  (--bad: also one refused delivery each)`,
	];
}

/** `npm run demo:send --`, preceded by the environment it needs (`env`: name -> value). */
function demoSendCommand(env = {}) {
	const shell = (v) => (/^[\w./:@-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
	return [...Object.entries(env).map(([k, v]) => `${k}=${shell(String(v))}`), 'npm run demo:send --'].join(' ');
}

/**
 * The "first delivery" lines printed once n8n runs (`npm start`, `npm run start:queue`): a ready
 * curl per template, signed with the demo secrets of `userFolder` (curlLines), or with
 * N8N_IMPORT_CREDENTIALS (real secrets, not echoed to the terminal) only the demo:send command.
 * `port`: the port that serves the production webhooks (`webhooks`' URLs); demo:send is told it,
 * and where the secrets are, when they are not its defaults (5678, .n8n-local/).
 */
function deliveryLines(workflows, webhooks, userFolder, { port = 5678 } = {}) {
	const demo = require('./demo-send');
	const env = port === 5678 ? {} : { N8N_PORT: port };
	if (process.env.N8N_IMPORT_CREDENTIALS) {
		return [`Try a delivery: ${demoSendCommand(env)} all (signed with the secrets in N8N_IMPORT_CREDENTIALS; --bad: also one refused delivery each)`];
	}
	const credentialsFile = demoCredentialsFile(userFolder);
	if (path.resolve(credentialsFile) !== path.resolve(demo.secretsFile())) env.N8N_IMPORT_CREDENTIALS = path.relative(process.cwd(), credentialsFile) || credentialsFile;
	return curlLines(workflows, webhooks, credentialsFile, { demoSend: demoSendCommand(env) });
}

/**
 * npm run build with its output (tsc, and gulp's progress lines on every build) in
 * <userFolder>/build.log: a failure ends with the log's last lines.
 */
async function buildQuietly(userFolder) {
	const logFile = path.join(userFolder, 'build.log');
	fs.mkdirSync(userFolder, { recursive: true });
	fs.writeFileSync(logFile, '');
	rt.log(`npm run build (output: ${path.relative(rt.REPO_ROOT, logFile)})`);
	await rt.run('npm', ['run', '--silent', 'build'], { cwd: rt.REPO_ROOT, logFile });
}

/** What `npm start` adds to the runtime's environment: n8n as it runs in production. */
const PRODUCTION_ENV = { NODE_ENV: 'production' };

const CREDENTIALS_HINT =
	"Template credentials hold random demo secrets: open Credentials in the editor and put in your vendor's values.";

async function main() {
	const userFolder = path.join(rt.REPO_ROOT, '.n8n-local');
	const port = Number(process.env.N8N_PORT || 5678);
	let stopN8n = null;
	let stopping = false;
	async function shutdown(reason, exitCode = 0) {
		if (stopping) return;
		stopping = true;
		rt.log(`${reason}: stopping`);
		if (stopN8n) await stopN8n();
		process.exit(exitCode);
	}
	process.on('SIGINT', () => shutdown('SIGINT'));
	process.on('SIGTERM', () => shutdown('SIGTERM'));

	const t0 = Date.now();
	const n8n = await rt.ensureN8n();
	if (!process.argv.includes('--no-build')) await buildQuietly(userFolder);
	await rt.installPackage(userFolder, { build: false, n8n });

	const plan = templatePlan(userFolder);
	const imported = plan.stale ? await rt.importWorkflows(userFolder, { workflows: plan.workflows, credentials: plan.credentials, n8n }) : [];

	const handle = await rt.startN8n({ userFolder, port, n8n, env: PRODUCTION_ENV, onSpawn: ({ stop }) => (stopN8n = stop) });
	handle.exited.then(({ code, signal }) => {
		if (stopping) return;
		rt.log(`n8n exited on its own (${code ?? signal}); see ${handle.logFile}`);
		process.exit(code || 1);
	});

	try {
		const login = await rt.setupOwner(handle.baseUrl, { userFolder });
		const api = rt.publicApi(handle.baseUrl, login.apiKey, login.cookie);
		const failures = await rt.activateWorkflows(api, imported.map((w) => w.id));
		for (const f of failures) rt.log(`could not activate workflow ${f.id}: ${f.error}`);
		if (!failures.length) plan.done();

		const activated = imported.filter((w) => w.hasWebhooks && !failures.some((f) => f.id === w.id));
		const webhooks = await rt.registeredWebhooks(n8n, userFolder, handle.baseUrl, {
			waitForWorkflowIds: activated.map((w) => w.id),
		});
		const { data: workflows } = await api('/workflows?limit=250');
		const lines = [
			'',
			`n8n ${n8n.version} is running (start took ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
			`  editor:   ${handle.baseUrl}/`,
			`  login:    ${login.email} / ${login.password}`,
			`  api key:  in ${path.relative(rt.REPO_ROOT, path.join(userFolder, 'login.json'))}`,
			`  log:      ${path.relative(rt.REPO_ROOT, handle.logFile)}`,
			...workflowLines(workflows, webhooks),
			...deliveryLines(workflows, webhooks, userFolder, { port }),
			CREDENTIALS_HINT,
			'Ctrl-C stops n8n.',
			'',
		];
		process.stdout.write(lines.join('\n'));
	} catch (e) {
		rt.log(e.stack || String(e));
		await shutdown('error', 1);
	}
}

module.exports = { templatePlan, workflowLines, curlLines, deliveryLines, demoCredentialsFile, CREDENTIALS_HINT, PRODUCTION_ENV };

if (require.main === module) {
	main().catch((e) => {
		rt.log(e.stack || String(e));
		process.exit(1);
	});
}
