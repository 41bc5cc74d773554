// scripts/release.js: the version it picks and what it makes of CHANGELOG.md (Keep a Changelog).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const release = createRequire(__filename)('../../scripts/release.js') as {
	nextVersion(current: string, spec: string): string;
	compareVersions(a: string, b: string): number;
	releaseChangelog(text: string, o: { version: string; date: string; repositoryUrl: string }): string;
	repositoryWebUrl(pkg: unknown): string;
};

const REPO = 'https://github.com/vendor-webhooks/n8n-nodes-vendor-webhooks';

describe('nextVersion', () => {
	it.each([
		['0.1.0', 'patch', '0.1.1'],
		['0.1.0', 'minor', '0.2.0'],
		['0.1.0', 'major', '1.0.0'],
		['1.2.3-rc.1', 'patch', '1.2.3'],
		['0.1.0', '0.1.0', '0.1.0'], // the current, never released version, as it is
		['0.1.0', '0.3.0-rc.1', '0.3.0-rc.1'],
	])('%s + %s = %s', (current, spec, next) => {
		expect(release.nextVersion(current, spec)).toBe(next);
	});

	it('refuses a lower version and anything else', () => {
		expect(() => release.nextVersion('0.2.0', '0.1.9')).toThrow(/lower/);
		expect(() => release.nextVersion('0.2.0', 'v0.3.0')).toThrow(/neither/);
		expect(() => release.nextVersion('0.2.0', '')).toThrow(/neither/);
	});

	it('orders prereleases before their release', () => {
		expect(release.compareVersions('1.0.0-rc.2', '1.0.0')).toBeLessThan(0);
		expect(release.compareVersions('1.0.0-rc.10', '1.0.0-rc.2')).toBeGreaterThan(0);
	});
});

describe('releaseChangelog', () => {
	const first = ['# Changelog', '', 'Intro.', '', '## [Unreleased]', '', '### Added', '', '- Triggers.', '', `[Unreleased]: ${REPO}/commits/HEAD`, ''].join('\n');

	it('dates the Unreleased section, opens a new one and links the tag (first release)', () => {
		const out = release.releaseChangelog(first, { version: '0.1.0', date: '2026-12-01', repositoryUrl: REPO });
		expect(out).toBe(
			[
				'# Changelog', '', 'Intro.', '',
				'## [Unreleased]', '',
				'## [0.1.0] - 2026-12-01', '', '### Added', '', '- Triggers.', '',
				`[Unreleased]: ${REPO}/compare/0.1.0...HEAD`,
				`[0.1.0]: ${REPO}/releases/tag/0.1.0`,
				'',
			].join('\n'),
		);
	});

	it('links a later release to the one before it', () => {
		const once = release.releaseChangelog(first, { version: '0.1.0', date: '2026-12-01', repositoryUrl: REPO });
		const withFix = once.replace('## [Unreleased]\n', '## [Unreleased]\n\n### Fixed\n\n- A fix.\n');
		const out = release.releaseChangelog(withFix, { version: '0.1.1', date: '2026-12-02', repositoryUrl: REPO });
		expect(out).toMatch(/## \[Unreleased\]\n\n## \[0\.1\.1\] - 2026-12-02\n\n### Fixed\n\n- A fix\.\n\n## \[0\.1\.0\] - 2026-12-01/);
		expect(out).toContain(`[Unreleased]: ${REPO}/compare/0.1.1...HEAD\n[0.1.1]: ${REPO}/compare/0.1.0...0.1.1\n[0.1.0]: ${REPO}/releases/tag/0.1.0`);
	});

	it('refuses an empty Unreleased section, a missing one and a version already listed', () => {
		const once = release.releaseChangelog(first, { version: '0.1.0', date: '2026-12-01', repositoryUrl: REPO });
		expect(() => release.releaseChangelog(once, { version: '0.1.1', date: '2026-12-02', repositoryUrl: REPO })).toThrow(/empty/);
		expect(() => release.releaseChangelog('# Changelog\n', { version: '0.1.1', date: 'x', repositoryUrl: REPO })).toThrow(/no "## \[Unreleased\]"/);
		const again = once.replace('## [Unreleased]\n', '## [Unreleased]\n\n- More.\n');
		expect(() => release.releaseChangelog(again, { version: '0.1.0', date: 'x', repositoryUrl: REPO })).toThrow(/already/);
	});

	it("works on the project's CHANGELOG.md", () => {
		const text = readFileSync(path.join(__dirname, '..', '..', 'CHANGELOG.md'), 'utf8');
		const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
		// After a release the Unreleased section may be empty and the version listed: release the next.
		const version = text.includes(`## [${pkg.version}]`) ? release.nextVersion(pkg.version, 'patch') : pkg.version;
		const withEntry = text.replace('## [Unreleased]\n', '## [Unreleased]\n\n- An entry.\n');
		const out = release.releaseChangelog(withEntry, { version, date: '2026-12-01', repositoryUrl: release.repositoryWebUrl(pkg) });
		expect(out).toContain(`## [Unreleased]\n\n## [${version}] - 2026-12-01\n`);
		expect(out).toMatch(new RegExp(`^\\[${version.replace(/\./g, '\\.')}\\]: ${REPO}/`, 'm'));
	});
});
