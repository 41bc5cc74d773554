/**
 * The one error type of the verification core. `code` is stable (tests, logs and the JSON
 * answer use it); `message` is short, safe to send back to the caller, and never contains a
 * secret or the expected signature.
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
	forbidden_ip: 403,
	// A trigger set to verify but given no secret fails closed: the sender cannot be trusted.
	not_configured: 401,
};

export class DeliveryError extends Error {
	readonly code: DeliveryErrorCode;
	readonly status: number;

	constructor(code: DeliveryErrorCode, message: string) {
		super(message);
		this.name = 'DeliveryError';
		this.code = code;
		this.status = STATUS_BY_CODE[code];
	}

	/** The JSON body sent back to the vendor. */
	toResponse(): { error: DeliveryErrorCode; message: string } {
		return { error: this.code, message: this.message };
	}
}
