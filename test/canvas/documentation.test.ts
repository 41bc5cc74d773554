/**
 * The "Docs" links n8n shows for our nodes (codex primaryDocumentation) and credentials
 * (documentationUrl) go to a section of the README in the repository: the README is where the
 * documentation lives, and an npm page does not exist before the first release. Each link must
 * name a heading that README.md really has, as GitHub spells its anchor.
 */
import * as fs from 'fs';
import * as path from 'path';

import { filesUnder, rel, ROOT } from './files';


/** The repository's web address from package.json ("git+https://…/x.git" → "https://…/x"). */
function repositoryUrl(): string {
	const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	const raw: string = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
	return raw.replace(/^git\+/, '').replace(/\.git$/, '').replace(/\/$/, '');
}

/** GitHub's heading anchor (github-slugger): lower case, punctuation removed, spaces → '-'. */
function githubSlug(heading: string): string {
	const text = heading
		.replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1') // images: their alt text
		.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // links: their text
		.replace(/<[^>]*>/g, '') // inline HTML
		.replace(/[`*]/g, ''); // code and emphasis markers
	return text
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
		.replace(/ /g, '-');
}

/** Every anchor README.md offers: its ATX headings (outside code fences, repeats numbered as GitHub does) and explicit ids. */
function readmeAnchors(markdown: string): Set<string> {
	const anchors = new Set<string>();
	const seen = new Map<string, number>();
	let fence: string | undefined;
	for (const line of markdown.split('\n')) {
		const f = /^ {0,3}(`{3,}|~{3,})/.exec(line);
		if (f) {
			if (!fence) fence = f[1][0];
			else if (f[1][0] === fence) fence = undefined;
			continue;
		}
		if (fence) continue;
		const h = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
		if (h) {
			const base = githubSlug(h[1]);
			const n = seen.get(base) ?? 0;
			seen.set(base, n + 1);
			anchors.add(n === 0 ? base : `${base}-${n}`);
		}
		for (const m of line.matchAll(/<a\s[^>]*\b(?:name|id)=["']([^"']+)["']/gi)) anchors.add(m[1]);
	}
	return anchors;
}

interface DocLink {
	where: string;
	url: string;
}

function nodeDocLinks(): DocLink[] {
	return filesUnder(path.join(ROOT, 'nodes'), (f) => f.endsWith('.node.json')).flatMap((file) => {
		const codex = JSON.parse(fs.readFileSync(file, 'utf8'));
		const docs: { url?: unknown }[] = codex.resources?.primaryDocumentation ?? [];
		if (docs.length === 0) return [{ where: `${rel(file)} (no primaryDocumentation)`, url: '' }];
		const credentialDocs: { url?: unknown }[] = codex.resources?.credentialDocumentation ?? [];
		return [...docs, ...credentialDocs].map((d) => ({ where: rel(file), url: String(d.url ?? '') }));
	});
}

/** documentationUrl in credentials/*.credentials.ts (one per credential) and in any node file. */
function sourceDocLinks(): DocLink[] {
	const credentials = filesUnder(path.join(ROOT, 'credentials'), (f) => f.endsWith('.credentials.ts'));
	const nodes = filesUnder(path.join(ROOT, 'nodes'), (f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
	return [...credentials, ...nodes].flatMap((file) => {
		const source = fs.readFileSync(file, 'utf8');
		const found = [...source.matchAll(/\bdocumentationUrl\s*[:=]\s*(['"`])(.*?)\1/g)].map((m) => ({ where: rel(file), url: m[2] }));
		const declared = (source.match(/\bdocumentationUrl\s*[:=]/g) ?? []).length;
		if (declared !== found.length) return [...found, { where: `${rel(file)} (a documentationUrl that is not a plain string)`, url: '' }];
		if (credentials.includes(file) && found.length === 0) return [{ where: `${rel(file)} (no documentationUrl)`, url: '' }];
		return found;
	});
}

describe('documentation links', () => {
	const repo = repositoryUrl();
	const anchors = readmeAnchors(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
	const links = [...nodeDocLinks(), ...sourceDocLinks()];

	it('package.json names a GitHub repository', () => {
		expect(repo).toMatch(/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+$/);
	});

	it('covers every node codex file and every credential', () => {
		const codexFiles = filesUnder(path.join(ROOT, 'nodes'), (f) => f.endsWith('.node.json')).length;
		const credentialFiles = filesUnder(path.join(ROOT, 'credentials'), (f) => f.endsWith('.credentials.ts')).length;
		expect(codexFiles).toBeGreaterThanOrEqual(6);
		expect(credentialFiles).toBeGreaterThanOrEqual(6);
		expect(links.length).toBeGreaterThanOrEqual(codexFiles + credentialFiles);
	});

	it('every link points at a README section of the repository', () => {
		const problems = links.flatMap(({ where, url }) => {
			if (!url) return [`${where}`];
			let parsed: URL;
			try {
				parsed = new URL(url);
			} catch {
				return [`${where}: ${url} is not a URL`];
			}
			const page = `${parsed.origin}${parsed.pathname}`.replace(/\/$/, '');
			if (page !== repo || parsed.search) return [`${where}: ${url} is not ${repo}#<section>`];
			const anchor = decodeURIComponent(parsed.hash.slice(1));
			if (!anchor) return [`${where}: ${url} names no README section`];
			if (!anchors.has(anchor)) return [`${where}: README.md has no heading with anchor #${anchor}`];
			return [];
		});
		expect(problems).toEqual([]);
	});
});

describe('GitHub heading anchors', () => {
	it.each([
		['SYNCHUB Trigger', 'synchub-trigger'],
		['Send Webhook', 'send-webhook'],
		['Measured: `npm run bench:load`', 'measured-npm-run-benchload'],
		['Limits, replays and what senders are told', 'limits-replays-and-what-senders-are-told'],
		['Install in your self-hosted n8n', 'install-in-your-self-hosted-n8n'],
		['The [README](x.md) & *more* (v1.2)', 'the-readme--more-v12'],
		['event_type filter', 'event_type-filter'],
	])('%s → #%s', (heading, slug) => {
		expect(githubSlug(heading)).toBe(slug);
	});

	it('numbers repeated headings and ignores code fences', () => {
		const anchors = readmeAnchors('# A\n## Usage\n```sh\n# not a heading\n```\n## Usage\n### Usage ##\n');
		expect([...anchors]).toEqual(['a', 'usage', 'usage-1', 'usage-2']);
	});
});
