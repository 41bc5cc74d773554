import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { GENERIC_CREDENTIALS_VERSION, HMAC_PRESET_SIGNINGS } from './description';
import type { HmacAlgorithm, SignatureEncoding, SignedContent } from '../shared/hmac';
import type { HmacPresetId, OutgoingSigning } from '../shared/outgoing';
import type { RoomleAlgorithm } from '../shared/roomleToken';
import { type AllowedDomains, AllowedDomainsError, parseAllowedDomains } from '../shared/sender';

/** The Signing parameter's values: a scheme of its own, or a vendor's preset (from 1.3). */
type SigningChoice = Exclude<OutgoingSigning['scheme'], 'preset'> | HmacPresetId;
type SignedScheme = Exclude<OutgoingSigning['scheme'], 'none' | 'preset'>;

const isHmacPreset = (choice: SigningChoice): choice is HmacPresetId => (HMAC_PRESET_SIGNINGS as readonly string[]).includes(choice);

/** The credential of each scheme in versions before 1.3, and from 1.3 when Credential Type says "vendor". */
const VENDOR_CREDENTIAL_BY_SCHEME: Record<SignedScheme, string> = {
	hmac: 'synchubWebhookApi',
	standardWebhooks: 'standardWebhooksApi',
	roomleToken: 'roomleWebhookApi',
	apiKey: 'eventWebhookApi',
	customHeader: 'apiRtcWebhookApi',
};

/** From 1.3, the schemes whose secret may sit in a credential named after no vendor (the default). */
const GENERIC_CREDENTIAL_BY_SCHEME: Partial<Record<SignedScheme, string>> = {
	hmac: 'webhookHmacSecretApi',
	customHeader: 'webhookHeaderSecretApi',
};

/** The credential type the node's description shows for this choice (SendWebhook.node.ts), and so the one n8n lets it read. */
function credentialTypeFor(ctx: IExecuteFunctions, choice: Exclude<SigningChoice, 'none'>): string {
	if (isHmacPreset(choice)) return 'webhookHmacSecretApi';
	const scheme = choice;
	const generic = GENERIC_CREDENTIAL_BY_SCHEME[scheme];
	if (generic === undefined || ctx.getNode().typeVersion < GENERIC_CREDENTIALS_VERSION) return VENDOR_CREDENTIAL_BY_SCHEME[scheme];
	return ctx.getNodeParameter('signingCredential', 0, 'generic') === 'generic' ? generic : VENDOR_CREDENTIAL_BY_SCHEME[scheme];
}

export interface SigningSetup {
	signing: OutgoingSigning;
	/** The credential's Allowed Domains; null: any host (the field is empty, or no credential). */
	allowedDomains: AllowedDomains | null;
}

/** The Signing choice with its credential: how every request is signed, and where it may go. */
export async function readSigningSetup(ctx: IExecuteFunctions): Promise<SigningSetup> {
	const choice = ctx.getNodeParameter('signing', 0) as SigningChoice;
	if (choice === 'none') return { signing: { scheme: choice }, allowedDomains: null };
	const credentials = await ctx.getCredentials(credentialTypeFor(ctx, choice));
	let allowedDomains: AllowedDomains | null;
	try {
		allowedDomains = parseAllowedDomains(credentials.allowedDomains);
	} catch (error) {
		const message = error instanceof AllowedDomainsError ? error.message : `Allowed Domains: ${(error as Error).message}`;
		throw new NodeOperationError(ctx.getNode(), `The credential's ${message}`, { itemIndex: 0 });
	}
	return { signing: readSigning(ctx, choice, credentials), allowedDomains };
}

/** The generic credentials use the vendor ones' field names (secret; headerName and secret), so one reader serves both. */
function readSigning(ctx: IExecuteFunctions, choice: Exclude<SigningChoice, 'none'>, credentials: IDataObject): OutgoingSigning {
	const text = (name: string) => String(credentials[name] ?? '');
	const param = (name: string, fallback = '') => String(ctx.getNodeParameter(name, 0, fallback)).trim();
	const required = (value: string, label: string) => {
		if (value === '') throw new NodeOperationError(ctx.getNode(), `${label} is empty in the credential`, { itemIndex: 0 });
		return value;
	};
	// A preset's header names, signed content and encoding are the vendor's: only the secret is ours.
	if (isHmacPreset(choice)) return { scheme: 'preset', preset: choice, secret: required(text('secret'), 'The HMAC secret') };
	const scheme = choice;
	switch (scheme) {
		case 'hmac':
			return {
				scheme,
				secret: required(text('secret'), 'The HMAC secret'),
				signatureHeader: param('signatureHeader', 'x-synchub-signature'),
				timestampHeader: param('timestampHeader') || undefined,
				hmac: {
					algorithm: param('algorithm', 'sha256') as HmacAlgorithm,
					encoding: param('encoding', 'hex') as SignatureEncoding,
					prefix: String(ctx.getNodeParameter('signaturePrefix', 0, '')),
					signedContent: param('signedContent', 'body') as SignedContent,
				},
			};
		case 'standardWebhooks':
			return { scheme, secret: required(text('secret'), 'The signing secret') };
		case 'roomleToken':
			return {
				scheme,
				apiKey: required(text('apiKey'), 'The Roomle api key'),
				secret: required(text('secret'), 'The Roomle secret'),
				headerName: param('headerName', 'token'),
				algorithm: param('roomleAlgorithm', '02') as RoomleAlgorithm,
			};
		case 'apiKey':
			return {
				scheme,
				apiKey: required(text('apiKey'), 'The API key'),
				headerName: param('keyHeaderName', 'x-api-key'),
				bearer: param('apiKeyPlacement', 'header') === 'bearer',
			};
		case 'customHeader':
			return { scheme, headerName: required(text('headerName'), 'The header name'), value: required(text('secret'), 'The header value') };
	}
}
