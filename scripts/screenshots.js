#!/usr/bin/env node
'use strict';
// `npm run screenshots`: regenerates the editor screenshots in docs/ (shown in README) on purpose.
// It builds, then runs the canvas check (test/e2e/canvas.test.js: a real n8n 2.x in Chromium)
// with N8N_E2E_SCREENSHOTS_DIR=docs; `npm test` runs the same check but writes its screenshots
// to a temp folder, so tests never change tracked files. Fails when the check fails or when a
// screenshot was not rewritten (e.g. no browser: the check then skips).

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DOCS = path.join(ROOT, 'docs');
const log = (msg) => process.stderr.write(`[screenshots] ${msg}\n`);

function main() {
	const version = process.env.N8N_VERSION;
	if (version && Number(version.split('.')[0]) < 2) {
		log(`docs/ shows n8n 2.x; N8N_VERSION=${version} would write nothing there`);
		return 2;
	}
	const before = new Map(fs.readdirSync(DOCS).filter((f) => f.endsWith('.png')).map((f) => [f, fs.statSync(path.join(DOCS, f)).mtimeMs]));
	const started = Date.now();

	const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
	if (build.status !== 0) return build.status || 1;
	const check = spawnSync(process.execPath, ['--test', '--test-concurrency=1', path.join('test', 'e2e', 'canvas.test.js')], {
		cwd: ROOT,
		stdio: 'inherit',
		env: { ...process.env, N8N_E2E_SKIP_BUILD: '1', N8N_E2E_SCREENSHOTS_DIR: DOCS },
	});
	if (check.status !== 0) return check.status || 1;

	const pngs = fs.readdirSync(DOCS).filter((f) => f.endsWith('.png')).sort();
	const written = pngs.filter((f) => fs.statSync(path.join(DOCS, f)).mtimeMs >= started);
	const stale = pngs.filter((f) => !written.includes(f));
	for (const f of written) log(`${before.has(f) ? 'updated' : 'new'}   docs/${f}`);
	for (const f of stale) log(`not rewritten: docs/${f} (a screenshot the check no longer takes? delete it if so)`);
	if (!written.length) {
		log('no screenshot was written: was the canvas check skipped (no browser)?');
		return 1;
	}
	log(`${written.length} screenshot(s) in docs/; review them with git diff --stat docs/ and commit`);
	return 0;
}

process.exit(main());
