#!/usr/bin/env node
'use strict';
// `npm run release -- <patch|minor|major|x.y.z> [--skip-checks] [--push] [--dry-run]`
//
// n8n's release convention (n8n-nodes-starter, `n8n-node release`): a release is a version
// commit plus a tag, pushed; the tag's GitHub Actions workflow (.github/workflows/publish.yml)
// runs every test and publishes to npm with provenance. Nothing is published from this machine.
//
// Not `n8n-node release` itself: it runs release-it and regenerates CHANGELOG.md with
// auto-changelog from commit subjects, which would replace this project's Keep a Changelog
// file, and it needs release-it (Node 22+) in the dev dependencies. This script does the same
// steps with the changelog we write by hand:
//   1. refuses a dirty work tree or an existing tag;
//   2. runs lint, typecheck and the unit tests (the end-to-end suites run in the workflow);
//   3. sets the version in package.json and package-lock.json (`npm version --no-git-tag-version`);
//   4. turns CHANGELOG.md's "## [Unreleased]" section into "## [x.y.z] - YYYY-MM-DD";
//   5. commits "Release x.y.z" and tags x.y.z (annotated), then pushes with --push or tells you to.
// The current version can be released as it is (e.g. the first 0.1.0): pass it explicitly.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SEMVER = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** The version to release: `spec` is patch, minor, major or an explicit x.y.z[-pre]. */
function nextVersion(current, spec) {
	const m = SEMVER.exec(current);
	if (!m) throw new Error(`package.json version "${current}" is not x.y.z`);
	const [major, minor, patch] = m.slice(1, 4).map(Number);
	const prerelease = Boolean(m[4]);
	switch (spec) {
		case 'major':
			return `${major + 1}.0.0`;
		case 'minor':
			return `${major}.${minor + 1}.0`;
		case 'patch':
			// 1.2.3-rc.1 → 1.2.3, as npm version does.
			return prerelease ? `${major}.${minor}.${patch}` : `${major}.${minor}.${patch + 1}`;
		default:
			if (!SEMVER.test(spec || '')) throw new Error(`"${spec}" is neither patch, minor, major nor a version x.y.z`);
			if (compareVersions(spec, current) < 0) throw new Error(`${spec} is lower than the current version ${current}`);
			return spec;
	}
}

/** Compares x.y.z[-pre] versions (a prerelease sorts before its release). */
function compareVersions(a, b) {
	const pa = SEMVER.exec(a);
	const pb = SEMVER.exec(b);
	for (let i = 1; i <= 3; i++) if (Number(pa[i]) !== Number(pb[i])) return Number(pa[i]) - Number(pb[i]);
	if (!pa[4] !== !pb[4]) return pa[4] ? -1 : 1;
	return (pa[4] || '').localeCompare(pb[4] || '', 'en', { numeric: true });
}

/**
 * Keep a Changelog: the "## [Unreleased]" section becomes "## [version] - date" under a new,
 * empty Unreleased heading, and the link references at the bottom point at the new tag.
 * Refuses an empty Unreleased section (nothing to release) or a version already listed.
 */
function releaseChangelog(text, { version, date, repositoryUrl }) {
	const lines = text.split('\n');
	const start = lines.findIndex((l) => /^## \[Unreleased\]\s*$/i.test(l));
	if (start < 0) throw new Error('CHANGELOG.md has no "## [Unreleased]" section');
	let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
	if (end < 0) {
		// The section runs to the link references (or the end of the file).
		end = lines.findIndex((l, i) => i > start && /^\[[^\]]+\]:\s/.test(l));
		if (end < 0) end = lines.length;
	}
	const body = lines.slice(start + 1, end);
	if (!body.some((l) => l.trim())) throw new Error('the Unreleased section of CHANGELOG.md is empty: nothing to release');
	if (lines.some((l) => l.startsWith(`## [${version}]`))) throw new Error(`CHANGELOG.md already has a ${version} section`);
	const previous = lines.slice(end).map((l) => /^## \[([^\]]+)\]/.exec(l)).find(Boolean)?.[1];

	const out = [...lines.slice(0, start), '## [Unreleased]', '', `## [${version}] - ${date}`, ...body, ...lines.slice(end)];
	const repo = repositoryUrl.replace(/\/+$/, '');
	const unreleasedLink = `[Unreleased]: ${repo}/compare/${version}...HEAD`;
	const versionLink = `[${version}]: ${previous ? `${repo}/compare/${previous}...${version}` : `${repo}/releases/tag/${version}`}`;
	const at = out.findIndex((l) => /^\[Unreleased\]:\s/i.test(l));
	if (at >= 0) out.splice(at, 1, unreleasedLink, versionLink);
	else {
		while (out.length && out[out.length - 1] === '') out.pop();
		out.push('', unreleasedLink, versionLink, '');
	}
	return out.join('\n');
}

/** https://github.com/owner/name from package.json's repository field. */
function repositoryWebUrl(pkg) {
	const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
	if (!url) throw new Error('package.json has no repository');
	return url.replace(/^git\+/, '').replace(/\.git$/, '');
}

function sh(cmd, args, { capture = false } = {}) {
	const out = execFileSync(cmd, args, { cwd: ROOT, stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8' });
	return capture ? out.trim() : '';
}

function main(argv) {
	const flags = new Set(argv.filter((a) => a.startsWith('--')));
	const [spec] = argv.filter((a) => !a.startsWith('--'));
	for (const f of flags) if (!['--skip-checks', '--push', '--dry-run'].includes(f)) throw new Error(`unknown option ${f}`);
	if (!spec) {
		process.stderr.write('usage: npm run release -- <patch|minor|major|x.y.z> [--skip-checks] [--push] [--dry-run]\n');
		process.exit(2);
	}
	const dryRun = flags.has('--dry-run');
	const pkgFile = path.join(ROOT, 'package.json');
	const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
	const version = nextVersion(pkg.version, spec);
	const date = new Date().toISOString().slice(0, 10);
	const changelogFile = path.join(ROOT, 'CHANGELOG.md');
	const changelog = releaseChangelog(fs.readFileSync(changelogFile, 'utf8'), { version, date, repositoryUrl: repositoryWebUrl(pkg) });

	const dirty = sh('git', ['status', '--porcelain'], { capture: true });
	if (dirty && !dryRun) throw new Error(`the work tree is not clean; commit or stash first:\n${dirty}`);
	const branch = sh('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { capture: true });
	if (branch !== 'main') process.stderr.write(`note: releasing from branch ${branch}, not main\n`);
	const tagExists = sh('git', ['tag', '--list', version], { capture: true }) !== '';
	if (tagExists) throw new Error(`tag ${version} already exists`);

	if (dryRun) {
		process.stdout.write(`would release ${pkg.name} ${pkg.version} → ${version} (${date}) from ${branch}\n`);
		process.stdout.write(`CHANGELOG.md would start:\n${changelog.split('\n').slice(0, 16).join('\n')}\n`);
		return;
	}
	if (!flags.has('--skip-checks')) {
		for (const script of ['lint', 'typecheck', 'test:unit']) sh('npm', ['run', script]);
	}
	if (version !== pkg.version) sh('npm', ['version', version, '--no-git-tag-version', '--ignore-scripts']);
	fs.writeFileSync(changelogFile, changelog);
	sh('git', ['add', 'package.json', 'package-lock.json', 'CHANGELOG.md']);
	sh('git', ['commit', '-m', `Release ${version}`]);
	sh('git', ['tag', '-a', version, '-m', `${pkg.name} ${version}`]);
	if (flags.has('--push')) {
		sh('git', ['push', '--follow-tags', 'origin', branch]);
		process.stdout.write(`pushed ${version}: the Publish workflow publishes it to npm with provenance\n`);
	} else {
		process.stdout.write(`tagged ${version}. Publish: git push --follow-tags origin ${branch}\n`);
	}
}

module.exports = { nextVersion, compareVersions, releaseChangelog, repositoryWebUrl };

if (require.main === module) {
	try {
		main(process.argv.slice(2));
	} catch (e) {
		process.stderr.write(`release: ${e.message}\n`);
		process.exit(1);
	}
}
