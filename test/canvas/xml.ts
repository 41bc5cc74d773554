/**
 * A strict, small XML reader for the icons we ship. Browsers load an SVG icon (an <img> in n8n)
 * with a strict XML parser and draw nothing on the first error, so a malformed icon shows up
 * only as n8n's letter placeholder. This reader accepts the subset an icon needs (an optional XML
 * declaration, comments, elements, attributes, text, the predefined and numeric character
 * references) and rejects the rest, DOCTYPE and CDATA included: anything it does not understand
 * fails the test instead of slipping through.
 */

export interface XmlElement {
	name: string;
	attributes: Record<string, string>;
	children: XmlElement[];
	/** Text directly inside this element, references decoded. */
	text: string;
	line: number;
}

export class XmlError extends Error {}

const NAME = /[A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z_][A-Za-z0-9_.-]*)?/y;
const SPACE = /[ \t\r\n]+/y;
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));/y;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function parseXml(source: string): XmlElement {
	let pos = 0;
	const lineAt = (at: number) => source.slice(0, at).split('\n').length;
	const fail = (message: string, at = pos): never => {
		throw new XmlError(`line ${lineAt(at)}: ${message}`);
	};
	const match = (re: RegExp): string | undefined => {
		re.lastIndex = pos;
		const m = re.exec(source);
		if (!m) return undefined;
		pos += m[0].length;
		return m[0];
	};
	const skipSpace = () => match(SPACE) !== undefined;

	/** Decodes references in text or an attribute value; a bare '&' is an error. */
	const decode = (raw: string, at: number): string => {
		let out = '';
		for (let i = 0; i < raw.length; ) {
			if (raw[i] !== '&') {
				out += raw[i++];
				continue;
			}
			REFERENCE.lastIndex = i;
			const m = REFERENCE.exec(raw);
			if (!m) fail('"&" that does not start a character reference', at + i);
			const [whole, named, dec, hex] = m as RegExpExecArray;
			out += named ? NAMED[named] : String.fromCodePoint(parseInt(dec ?? hex, dec ? 10 : 16));
			i += whole.length;
		}
		return out;
	};

	const comment = (): boolean => {
		if (!source.startsWith('<!--', pos)) return false;
		const end = source.indexOf('-->', pos + 4);
		if (end < 0) fail('unterminated comment');
		if (source.slice(pos + 4, end).includes('--')) fail('"--" inside a comment');
		pos = end + 3;
		return true;
	};

	/** Whitespace and comments, allowed before and after the root element. */
	const misc = () => {
		while (skipSpace() || comment());
	};

	const element = (): XmlElement => {
		const start = pos;
		if (source[pos] !== '<') fail('expected "<"');
		pos++;
		const name = match(NAME) ?? fail('expected an element name');
		const node: XmlElement = { name, attributes: {}, children: [], text: '', line: lineAt(start) };
		for (;;) {
			const spaced = skipSpace();
			if (source.startsWith('/>', pos)) {
				pos += 2;
				return node;
			}
			if (source[pos] === '>') {
				pos++;
				break;
			}
			if (!spaced) fail(`expected whitespace, ">" or "/>" in <${name}>`);
			const attrAt = pos;
			const attr = match(NAME) ?? fail(`expected an attribute name in <${name}>`);
			skipSpace();
			if (source[pos++] !== '=') fail(`attribute ${attr} of <${name}> has no "="`, attrAt);
			skipSpace();
			const quote = source[pos];
			if (quote !== '"' && quote !== "'") fail(`attribute ${attr} of <${name}> is not quoted`, attrAt);
			const end = source.indexOf(quote, pos + 1);
			if (end < 0) fail(`attribute ${attr} of <${name}> is not closed`, attrAt);
			const raw = source.slice(pos + 1, end);
			if (raw.includes('<')) fail(`"<" in the value of ${attr}`, attrAt);
			if (Object.prototype.hasOwnProperty.call(node.attributes, attr)) fail(`duplicate attribute ${attr} in <${name}>`, attrAt);
			node.attributes[attr] = decode(raw, pos + 1);
			pos = end + 1;
		}
		for (;;) {
			if (pos >= source.length) fail(`<${name}> opened on line ${node.line} is never closed`);
			if (source.startsWith('</', pos)) {
				pos += 2;
				const closing = match(NAME);
				if (closing !== name) fail(`</${closing ?? ''}> closes <${name}> opened on line ${node.line}`);
				skipSpace();
				if (source[pos++] !== '>') fail(`expected ">" after </${name}`);
				return node;
			}
			if (comment()) continue;
			if (source.startsWith('<![CDATA[', pos) || source.startsWith('<!', pos) || source.startsWith('<?', pos)) {
				fail('CDATA, declarations and processing instructions are not allowed in an icon');
			}
			if (source[pos] === '<') {
				node.children.push(element());
				continue;
			}
			const next = source.indexOf('<', pos);
			const raw = source.slice(pos, next < 0 ? source.length : next);
			if (raw.includes(']]>')) fail('"]]>" in text');
			node.text += decode(raw, pos);
			pos += raw.length;
		}
	};

	if (source.charCodeAt(0) === 0xfeff) fail('byte order mark');
	if (source.startsWith('<?xml', 0)) {
		const end = source.indexOf('?>');
		if (end < 0) fail('unterminated XML declaration');
		if (!/^<\?xml[ \t\r\n]+version=(["'])1\.[0-9]+\1[^<>]*\?>$/.test(source.slice(0, end + 2))) fail('malformed XML declaration');
		pos = end + 2;
	}
	misc();
	if (source.startsWith('<!DOCTYPE', pos)) fail('DOCTYPE is not allowed in an icon (it can pull in external entities)');
	const root = element();
	misc();
	if (pos !== source.length) fail('content after the root element');
	return root;
}

/** Every element of the tree, depth first, the root first. */
export function allElements(root: XmlElement): XmlElement[] {
	return [root, ...root.children.flatMap(allElements)];
}
