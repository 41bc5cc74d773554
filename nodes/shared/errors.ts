/**
 * The one error type of the receive side. `code` is stable (tests, logs and the JSON answer use
 * it). `message` is the detail for the operator's log: it may name headers, algorithms or limits
 * (the node's configuration) but never a secret or an expected signature. The sender gets
 * `callerMessage`: for a rejected credential, only what failed, not how the node is configured.
 */
export type DeliveryErrorCode =
	| 'missing_header'
	| 'bad_signature'
	| 'bad_timestamp'
	| 'stale_timestamp'
	| 'future_timestamp'
	| 'bad_token'
	| 'bad_api_key'
	| 'bad_payload'
	| 'payload_too_large'
	| 'forbidden_ip'
	| 'not_configured';

const STATUS_BY_CODE: Record<DeliveryErrorCode, number> = {
	missing_header: 401,
	bad_signature: 401,
	bad_timestamp: 401,
	stale_timestamp: 401,
	future_timestamp: 401,
	bad_token: 401,
	bad_api_key: 401,
	bad_payload: 400,
	payload_too_large: 413,
	forbidden_ip: 403,
	// A trigger set to verify but given no secret fails closed: the sender cannot be trusted.
	not_configured: 401,
};

/**
 * What a sender is told, per code. `bad_payload` is absent: a payload problem is the sender's to
 * fix, so it gets the detail (a path in its own body, never the node's settings).
 */
const CALLER_MESSAGES: Partial<Record<DeliveryErrorCode, string>> = {
	missing_header: 'A header this webhook requires is missing',
	bad_signature: 'The signature is not valid',
	bad_timestamp: 'The timestamp is not valid',
	stale_timestamp: 'The timestamp is too old',
	future_timestamp: 'The timestamp is too far in the future',
	bad_token: 'The token is not valid',
	bad_api_key: 'The API key is not valid',
	payload_too_large: 'The body is larger than this webhook accepts',
	forbidden_ip: 'This address is not allowed to send to this webhook',
	not_configured: 'This webhook is not ready to accept deliveries',
};

export class DeliveryError extends Error {
	readonly code: DeliveryErrorCode;
	readonly status: number;
	/** The reason sent back; see {@link CALLER_MESSAGES}. */
	readonly callerMessage: string;

	/** `callerMessage` overrides the code's own (for a payload detail that must stay in the log). */
	constructor(code: DeliveryErrorCode, message: string, callerMessage?: string) {
		super(message);
		this.name = 'DeliveryError';
		this.code = code;
		this.status = STATUS_BY_CODE[code];
		this.callerMessage = callerMessage ?? CALLER_MESSAGES[code] ?? message;
	}

	/** The JSON body sent back to the vendor. */
	toResponse(): { error: DeliveryErrorCode; message: string } {
		return { error: this.code, message: this.callerMessage };
	}
}
