// The GitHub Actions workflows cannot run here: check that GitHub would accept them (YAML, then
// SchemaStore's workflow schema, vendored in test/fixtures/github-actions/) and that they do what
// the release process relies on (a version tag runs every test, then publishes with provenance).

import Ajv, { type ErrorObject } from 'ajv';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');
const SCHEMA = path.join(ROOT, 'test', 'fixtures', 'github-actions', 'github-workflow.schema.json');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = { uses?: string; needs?: string | string[]; permissions?: Record<string, string>; steps?: Step[]; 'runs-on'?: string };
type Workflow = { name?: string; on: any; permissions?: Record<string, string>; jobs: Record<string, Job> };

// SchemaStore validates its schemas with Ajv in non-strict mode: the schema leaves out `type`
// next to `properties` in many places, which Ajv's strict mode reports.
const ajv = new Ajv({ strict: false, allErrors: true });
const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')));

function parseYaml(text: string, where: string): unknown {
	const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
	const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
	if (problems.length) throw new Error(`${where}: ${problems.join('\n')}`);
	return doc.toJS();
}

function schemaErrors(workflow: unknown): string[] {
	return validate(workflow) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

function load(file: string): Workflow {
	return parseYaml(readFileSync(path.join(WORKFLOWS, file), 'utf8'), file) as Workflow;
}

/** GitHub's filter patterns: `*` any characters but `/`, `**` any characters, `?` one. */
function filterMatches(pattern: string, ref: string): boolean {
	const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*|\*|\?/g, (t) => (t === '**' ? '.*' : t === '*' ? '[^/]*' : '.'));
	return new RegExp(`^${re}$`).test(ref);
}

const steps = (job: Job) => job.steps ?? [];
const runs = (job: Job) => steps(job).map((s) => s.run ?? '').join('\n');

const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();

describe('GitHub Actions workflows', () => {
	it('are publish.yml and ci.yml', () => {
		expect(files).toEqual(expect.arrayContaining(['ci.yml', 'publish.yml']));
	});

	it.each(files)('%s is valid YAML and valid against the GitHub workflow schema', (file) => {
		expect(schemaErrors(load(file))).toEqual([]);
	});

	it('the schema check rejects what GitHub rejects', () => {
		const good = { on: { push: { tags: ['*.*.*'] } }, jobs: { a: { 'runs-on': 'ubuntu-latest', steps: [{ run: 'true' }] } } };
		expect(schemaErrors(good)).toEqual([]);
		// A misspelt key, a step that both uses an action and runs a script, a missing runner,
		// an unknown permission level, an unknown event.
		const bad: unknown[] = [
			{ on: 'push', jobs: { a: { runs_on: 'ubuntu-latest', steps: [{ run: 'true' }] } } },
			{ on: 'push', jobs: { a: { 'runs-on': 'ubuntu-latest', steps: [{ uses: 'actions/checkout@v4', run: 'true' }] } } },
			{ on: 'push', jobs: { a: { steps: [{ run: 'true' }] } } },
			{ on: 'push', permissions: { 'id-token': 'sign' }, jobs: { a: { 'runs-on': 'ubuntu-latest', steps: [{ run: 'true' }] } } },
			{ on: 'tag', jobs: { a: { 'runs-on': 'ubuntu-latest', steps: [{ run: 'true' }] } } },
		];
		for (const wf of bad) expect(schemaErrors(wf)).not.toEqual([]);
		expect(() => parseYaml('on: push\non: pull_request\n', 'duplicate keys')).toThrow();
	});

	describe('publish.yml', () => {
		const wf = load('publish.yml');
		const publishJob = Object.values(wf.jobs).find((j) => /npm publish/.test(runs(j)));

		it('runs on version tags, such as this package version, and not on branches', () => {
			const tags: string[] = wf.on.push.tags;
			expect(tags.some((t) => filterMatches(t, pkg.version))).toBe(true);
			expect(tags.some((t) => filterMatches(t, '2.0.0-rc.1'))).toBe(true);
			expect(tags.some((t) => filterMatches(t, 'main'))).toBe(false);
			expect(wf.on.push.branches).toBeUndefined();
		});

		it('publishes with npm provenance, publicly, with an OIDC token', () => {
			expect(publishJob).toBeDefined();
			const cmd = runs(publishJob!).split('\n').find((l) => /npm publish/.test(l))!;
			expect(cmd).toMatch(/--provenance\b/);
			expect(cmd).toMatch(/--access public\b/);
			// Plain `npm publish`: its prepack (the build) and prepublishOnly must run, so no
			// --ignore-scripts (test/release/install-scripts.test.ts: nor in the project's .npmrc).
			expect(cmd).not.toMatch(/--ignore-scripts\b/);
			expect(publishJob!.permissions).toMatchObject({ 'id-token': 'write' });
			const setup = steps(publishJob!).find((s) => s.uses?.startsWith('actions/setup-node@'));
			expect(setup?.with?.['registry-url']).toBe('https://registry.npmjs.org');
			// n8n-node prerelease (prepublishOnly) refuses a publish outside the release process.
			const env = steps(publishJob!).find((s) => /npm publish/.test(s.run ?? ''))?.env;
			expect(env?.RELEASE_MODE).toBe('true');
			expect(pkg.scripts.prepublishOnly).toBe('n8n-node prerelease');
		});

		it('lints and runs every test suite before publishing', () => {
			expect(runs(publishJob!)).toMatch(/npm run lint/);
			const needs = [publishJob!.needs ?? []].flat();
			expect(needs.length).toBeGreaterThan(0);
			for (const need of needs) {
				expect(wf.jobs[need]?.uses).toBe('./.github/workflows/ci.yml');
			}
			const ci = load('ci.yml');
			expect(Object.keys(ci.on)).toContain('workflow_call');
		});

		it('refuses a tag that is not the package version', () => {
			expect(runs(publishJob!)).toMatch(/GITHUB_REF_NAME/);
		});

		it('builds on pack, so the published tarball has dist/', () => {
			expect(pkg.scripts.prepack).toBe('npm run build');
		});
	});

	describe('ci.yml', () => {
		const wf = load('ci.yml');

		it('runs on pushes to main and on pull requests', () => {
			expect(wf.on.push.branches).toEqual(['main']);
			expect(Object.keys(wf.on)).toContain('pull_request');
		});

		it('runs .ci/run: lint, typecheck, build, unit and end-to-end suites', () => {
			const all = Object.values(wf.jobs).map(runs).join('\n');
			expect(all).toMatch(/bash \.ci\/run/);
			const ciRun = readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
			for (const step of ['npm ci', 'npm run lint', 'npm run typecheck', 'npm run build', 'npm test']) expect(ciRun).toContain(step);
		});
	});
});

describe('package.json points at the project', () => {
	const REPO = 'https://github.com/vendor-webhooks/n8n-nodes-vendor-webhooks';

	it('repository, bugs and homepage are the GitHub repository, not an npm page', () => {
		expect(pkg.repository).toEqual({ type: 'git', url: `git+${REPO}.git` });
		expect(pkg.bugs).toEqual({ url: `${REPO}/issues` });
		expect(pkg.homepage.startsWith(`${REPO}#`)).toBe(true);
		expect(JSON.stringify(pkg)).not.toMatch(/npmjs\.com\/package/);
	});

	it('ships dist/ and the templates, not source maps', () => {
		expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'templates', '!dist/**/*.map']));
		for (const entry of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) expect(entry.startsWith('dist/')).toBe(true);
	});

	it('has a release script and a changelog with an Unreleased section', () => {
		expect(pkg.scripts.release).toBe('node scripts/release.js');
		expect(readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8')).toMatch(/^## \[Unreleased\]/m);
	});
});
