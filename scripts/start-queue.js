#!/usr/bin/env node
'use strict';
// `npm run start:queue`: n8n in queue mode on this machine, data in .n8n-local/queue/: Postgres
// and Redis (Debian packages, installed when missing), n8n main (editor, API), one webhook
// processor (production webhooks) and workers, with this package installed and the templates
// imported and active, and a ready curl per template printed (sent to the webhook processor),
// as `npm start` does. Ctrl-C stops everything.
// Env: N8N_PORT (main, 5678), N8N_WEBHOOK_PORT (webhook processor, 5688), N8N_WORKERS (2),
// N8N_VERSION, N8N_IMPORT_CREDENTIALS, N8N_TEMPLATES_DIR (as for `npm start`).

const path = require('node:path');
const rt = require('./n8n-runtime');
const { startQueueStack } = require('./queue-stack');
const { templatePlan, workflowLines, deliveryLines, CREDENTIALS_HINT } = require('./start');

if (process.argv.includes('--help')) {
	process.stdout.write('usage: npm run start:queue   (env: N8N_PORT=5678 N8N_WEBHOOK_PORT=5688 N8N_WORKERS=2)\n');
	process.exit(0);
}

async function main() {
	const t0 = Date.now();
	const userFolder = path.join(rt.REPO_ROOT, '.n8n-local', 'queue');
	const mainPort = Number(process.env.N8N_PORT || 5678);
	const webhookPort = Number(process.env.N8N_WEBHOOK_PORT || 5688);
	const plan = templatePlan(userFolder);
	// Stops everything on Ctrl-C / SIGTERM (queue-stack's handlers) and on a failed start.
	const stack = await startQueueStack({
		userFolder,
		workflows: plan.workflows,
		credentials: plan.credentials,
		workers: Number(process.env.N8N_WORKERS || 2),
		ports: { main: mainPort, webhook: webhookPort },
		allowActivationFailures: true,
	});
	try {
		await describe(stack, { t0, userFolder, plan });
	} catch (e) {
		await stack.stop();
		throw e;
	}
}

async function describe(stack, { t0, userFolder, plan }) {
	for (const f of stack.activationFailures) rt.log(`could not activate workflow ${f.id}: ${f.error}`);
	if (!stack.activationFailures.length) plan.done();

	const { main: m, webhook: w, workers, postgres, redis } = stack.processes;
	for (const proc of [m, w, ...workers]) {
		proc.exited.then(({ code, signal }) => {
			if (stack.stopping) return;
			rt.log(`${proc.name} exited on its own (${code ?? signal}); see ${proc.logFile}. Stopping everything.`);
			stack.stop().then(() => process.exit(1));
		});
	}

	const rel = (p) => path.relative(rt.REPO_ROOT, p);
	const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
	const { data: workflows } = await stack.api('/workflows?limit=250');
	const webhooks = await stack.registeredWebhooks(); // URLs on the webhook processor
	const lines = [
		'',
		`n8n ${stack.n8n.version} is running in queue mode (start took ${secs(Date.now() - t0)})`,
		`  editor:            ${stack.mainUrl}/   (main: editor, API; test webhooks at ${stack.mainUrl}/webhook-test/...)`,
		`  production webhooks: port ${stack.ports.webhook}, ${stack.webhookUrl}/webhook/...   (webhook processor)`,
		`  workers:           ${workers.map((p) => `${p.name} health ${p.url}/healthz/readiness`).join(', ')}`,
		`  postgres:          127.0.0.1:${postgres.port} (db/user/password n8n)   redis: 127.0.0.1:${redis.port}`,
		`  ready after:       ${[postgres, redis, m, w, ...workers].map((p) => `${p.name} ${secs(p.readyMs)}`).join(', ')}`,
		`  login:             ${stack.login.email} / ${stack.login.password}`,
		`  api key:           in ${rel(path.join(userFolder, 'login.json'))}`,
		`  logs:              ${rel(path.join(userFolder, 'logs'))}/ (main, webhook, worker<N>), ${rel(postgres.logFile)}, ${rel(redis.logFile)}`,
		'Production URLs (on the webhook processor):',
		...workflowLines(workflows, webhooks),
		...deliveryLines(workflows, webhooks, userFolder, { port: stack.ports.webhook }),
		CREDENTIALS_HINT,
		'Ctrl-C stops every process.',
		'',
	];
	process.stdout.write(lines.join('\n'));
	// The stack's processes do not keep this one alive (so that a crashed caller never hangs on
	// them); here we wait for Ctrl-C, which queue-stack handles.
	setInterval(() => {}, 1 << 30);
}

main().catch((e) => {
	rt.log(e.stack || String(e));
	process.exit(1);
});
