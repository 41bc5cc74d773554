/**
 * The node and credential icons. n8n shows a file icon as <img src="…svg">, and an SVG loaded as
 * an image cannot load fonts or anything else outside itself: <text> would be drawn with
 * whatever fonts the viewer's machine has (or none), an external reference is simply not
 * drawn. So every icon is shapes only, self-contained, well-formed, and comes as a light and a
 * dark file (n8n picks the dark one on its dark canvas).
 */
import * as fs from 'fs';
import * as path from 'path';
import { filesUnder, rel, ROOT } from './files';
import { allElements, parseXml, XmlError, type XmlElement } from './xml';

const NODES = path.join(ROOT, 'nodes');
const SVG_NS = 'http://www.w3.org/2000/svg';

const svgs = filesUnder(NODES, (f) => f.endsWith('.svg'));
const isDark = (file: string) => file.endsWith('.dark.svg');
const darkOf = (light: string) => light.replace(/\.svg$/, '.dark.svg');
const lightOf = (dark: string) => dark.replace(/\.dark\.svg$/, '.svg');

// Elements that draw text, embed other documents, or run code: none belongs in an icon.
const FORBIDDEN_ELEMENTS = new Set(['text', 'tspan', 'textPath', 'font', 'font-face', 'glyph', 'altGlyph', 'image', 'foreignObject', 'script', 'iframe', 'video', 'audio', 'feImage']);
// The same, on the raw source, so that a namespace prefix or an element the reader skips cannot hide it.
const FORBIDDEN_SOURCE: [RegExp, string][] = [
	[/<(?:[\w-]+:)?text[\s>/]/i, '<text>'],
	[/<(?:[\w-]+:)?tspan[\s>/]/i, '<tspan>'],
	[/<(?:[\w-]+:)?textPath[\s>/]/i, '<textPath>'],
	[/<(?:[\w-]+:)?image[\s>/]/i, '<image>'],
	[/font-family/i, 'font-family'],
	[/@font-face/i, '@font-face'],
	[/@import/i, '@import'],
	[/\bfont\s*[:=]/i, 'a font shorthand'],
];
const DRAWING = new Set(['path', 'circle', 'ellipse', 'polygon', 'polyline', 'line', 'rect']);

/** Problems with one icon's source, as short sentences; empty when the icon is fine. */
function iconProblems(source: string): string[] {
	const problems: string[] = [];
	for (const [re, what] of FORBIDDEN_SOURCE) if (re.test(source)) problems.push(`contains ${what}`);
	let root: XmlElement;
	try {
		root = parseXml(source);
	} catch (e) {
		if (e instanceof XmlError) return [...problems, `is not well-formed XML: ${e.message}`];
		throw e;
	}
	if (root.name !== 'svg') problems.push(`root element is <${root.name}>, not <svg>`);
	if (root.attributes.xmlns !== SVG_NS) problems.push(`<svg> lacks xmlns="${SVG_NS}" (a browser then does not draw it as an image)`);
	const viewBox = (root.attributes.viewBox ?? '').trim().split(/[\s,]+/).map(Number);
	if (viewBox.length !== 4 || viewBox.some((n) => !Number.isFinite(n))) {
		problems.push(`has no valid viewBox (got ${JSON.stringify(root.attributes.viewBox)})`);
	} else if (viewBox[2] <= 0 || viewBox[2] !== viewBox[3]) {
		problems.push(`viewBox ${root.attributes.viewBox} is not a positive square (n8n draws icons in a square)`);
	}
	const elements = allElements(root);
	for (const el of elements) {
		const local = el.name.replace(/^.*:/, '');
		if (FORBIDDEN_ELEMENTS.has(local)) problems.push(`line ${el.line}: <${el.name}> is not allowed`);
		for (const [attr, value] of Object.entries(el.attributes)) {
			if (attr === 'xmlns' || attr.startsWith('xmlns:')) continue; // namespace names, never fetched
			if (/^font(-|$)/.test(attr)) problems.push(`line ${el.line}: <${el.name}> has ${attr}`);
			if ((attr === 'href' || attr.endsWith(':href')) && !value.startsWith('#')) {
				problems.push(`line ${el.line}: <${el.name}> ${attr}="${value}" refers outside the file`);
			}
			if (/url\(\s*['"]?(?!#)/i.test(value)) problems.push(`line ${el.line}: <${el.name}> ${attr} uses url() outside the file`);
			if (/(?:^|[^\w#])(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(value) || /^\s*(?:https?|data|file|ftp|javascript):/i.test(value)) {
				problems.push(`line ${el.line}: <${el.name}> ${attr}="${value}" looks like an external reference`);
			}
		}
		if (local === 'style' && /url\(\s*['"]?(?!#)/i.test(el.text)) problems.push(`line ${el.line}: <style> uses url() outside the file`);
	}
	if (!elements.some((el) => DRAWING.has(el.name) && el !== root)) problems.push('draws nothing');
	return problems;
}

describe('node and credential icons', () => {
	it('finds the icons under nodes/', () => {
		expect(svgs.length).toBeGreaterThanOrEqual(12);
	});

	describe.each(svgs.map((f) => [rel(f), f]))('%s', (_name, file) => {
		const source = fs.readFileSync(file, 'utf8');

		it('is well-formed SVG with a square viewBox, drawn with shapes only and self-contained', () => {
			expect(iconProblems(source)).toEqual([]);
		});

		it('comes as a light and a dark file that differ', () => {
			const pair = isDark(file) ? lightOf(file) : darkOf(file);
			expect(fs.existsSync(pair) ? rel(pair) : `missing ${rel(pair)}`).toBe(rel(pair));
			expect(fs.readFileSync(pair, 'utf8')).not.toBe(source);
		});
	});

	it('every icon a node or credential declares exists as a light and a dark file under nodes/', () => {
		const declaring = [
			...filesUnder(NODES, (f) => f.endsWith('.node.ts')),
			...filesUnder(path.join(ROOT, 'credentials'), (f) => f.endsWith('.credentials.ts')),
		];
		const problems: string[] = [];
		let declared = 0;
		for (const file of declaring) {
			const source = fs.readFileSync(file, 'utf8');
			for (const m of source.matchAll(/\bicon\s*[:=]\s*(\{[^}]*\}|'[^']*'|"[^"]*")/g)) {
				declared++;
				const value = m[1];
				if (!value.startsWith('{')) {
					problems.push(`${rel(file)}: icon ${value} has no dark variant (use { light, dark })`);
					continue;
				}
				for (const variant of ['light', 'dark'] as const) {
					const ref = new RegExp(`\\b${variant}\\s*:\\s*['"]file:([^'"]+)['"]`).exec(value)?.[1];
					if (!ref) {
						problems.push(`${rel(file)}: icon has no ${variant} file:`);
						continue;
					}
					const target = path.resolve(path.dirname(file), ref);
					if (!svgs.includes(target)) problems.push(`${rel(file)}: ${variant} icon ${ref} is not an .svg under nodes/ (${rel(target)})`);
					else if (variant === 'dark' !== isDark(target)) problems.push(`${rel(file)}: ${variant} icon ${ref} is a ${isDark(target) ? 'dark' : 'light'} file`);
				}
			}
		}
		expect(problems).toEqual([]);
		expect(declared).toBeGreaterThanOrEqual(declaring.length);
	});
});

describe('the icon check itself', () => {
	const good = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 60 60"><rect width="60" height="60"/><path d="M0 0L60 60"/></svg>';

	it('accepts a shapes-only icon', () => {
		expect(iconProblems(good)).toEqual([]);
		expect(iconProblems(`<?xml version="1.0" encoding="UTF-8"?>\n<!-- icon -->\n${good}\n`)).toEqual([]);
	});

	it.each([
		['text', good.replace('<path', '<text x="1">R</text><path'), /<text>/],
		['tspan', good.replace('<path', '<g><tspan>R</tspan></g><path'), /<tspan>/],
		['a font attribute', good.replace('<path', '<path font-family="Arial"'), /font-family/],
		['a font in style', good.replace('<path', '<path style="font: 12px serif"'), /font shorthand/],
		['an image', good.replace('<path', '<image href="logo.png"/><path'), /<image>/],
		['an external href', good.replace('<path', '<use href="other.svg#a"/><path'), /refers outside the file/],
		['an external url()', good.replace('<path', '<path fill="url(https://example.com/p.svg#g)"'), /url\(\) outside/],
		['no viewBox', good.replace(' viewBox="0 0 60 60"', ''), /no valid viewBox/],
		['a viewBox that is not square', good.replace('0 0 60 60', '0 0 60 40'), /not a positive square/],
		['no SVG namespace', good.replace(' xmlns="http://www.w3.org/2000/svg"', ''), /lacks xmlns/],
		['an unclosed element', good.replace('</svg>', ''), /never closed/],
		['crossed elements', good.replace('<path d="M0 0L60 60"/>', '<g><path d="M0 0"></g></path>'), /closes <path>/],
		['an unquoted attribute', good.replace('width="60"', 'width=60'), /not quoted/],
		['a duplicate attribute', good.replace('width="60"', 'width="60" width="50"'), /duplicate attribute/],
		['a bare ampersand', good.replace('<path', '<desc>a & b</desc><path'), /character reference/],
		['a DOCTYPE', `<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>${good}`, /DOCTYPE/],
		['two roots', `${good}${good}`, /after the root/],
		['nothing drawn', '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 60 60"><g/></svg>', /draws nothing/],
	])('rejects %s', (_what, source, reason) => {
		const problems = iconProblems(source);
		expect(problems.some((p) => reason.test(p))).toBe(true);
	});
});
