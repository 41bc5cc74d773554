/**
 * Published test vectors and sample bodies, shared by every test file.
 *
 * Sources: /work/shared/notes/protocols.md (Roomle REST API token example, Standard Webhooks
 * reference vector) and the vendor documentation copied in /work/shared/seeds/. Bodies marked
 * "constructed" follow the documented field list but are not copied from a vendor page.
 */

/** Standard Webhooks reference vector (reproduced with the `standardwebhooks` npm package). */
export interface StandardWebhooksVector {
	secret: string;
	id: string;
	timestamp: number;
	body: string;
	signature: string;
}

export const STANDARD_WEBHOOKS_VECTOR: StandardWebhooksVector = {
	secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
	id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
	timestamp: 1614265330,
	body: '{"test": 2432232314}',
	signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

/** Roomle token example published in the Roomle REST API docs ("Authentication"). */
export interface RoomleTokenVector {
	secret: string;
	apiKey: string;
	sessionToken: string;
	issuedAt: string;
	plaintext: string;
	token: string;
}

export const ROOMLE_TOKEN_VECTOR: RoomleTokenVector = {
	secret: 'a-Secr3t_Str1ng!',
	apiKey: 'aValidApiKey',
	sessionToken: 'aSessionToken',
	issuedAt: '2020-12-31T23:00:00.000Z',
	plaintext: '2020-12-31T23:00:00.000Z;aSessionToken;aValidApiKey',
	token: '02-jOi87tgUadH3EGwcs/FPR44LlPEVoayzgkkkzmMbPwz50gNngNxgX8aNmNZ1SMAy31j1qsB9RvlF1RxiILGYDQ==',
};

/** The SynthesisVR documentation examples (curly quotes of the web page replaced by ASCII quotes). */
export const SYNTHESISVR_CREATE_BODY =
	'[{"uuid": "41509791-3de8-5bb9-b4fc-a9753da95aad", "action": "create", "location": "Kamen Test", "stations": 1, "customerid": 7685}]';
export const SYNTHESISVR_DELETE_BODY =
	'[{"uuid": "41509791-3de8-5bb9-b4fc-a9753da95aad", "action": "delete", "location": "Kamen Test", "stations": 1, "customerid": 7685}]';

/** Constructed: one POST carrying three events, as the SynthesisVR docs allow. */
export const SYNTHESISVR_BATCH_BODY = JSON.stringify([
	{ uuid: '41509791-3de8-5bb9-b4fc-a9753da95aad', action: 'create', location: 'Kamen Test', stations: 1, customerid: 7685 },
	{ uuid: '41509791-3de8-5bb9-b4fc-a9753da95aad', action: 'delete', location: 'Kamen Test', stations: 1, customerid: 7685 },
	{ uuid: '0c6f1f57-7a43-4d35-9d4f-3f0d1c1e2b11', action: 'create', location: 'Second Room', stations: 4, customerid: 42 },
]);

/** ApiRTC documentation examples (ticket and conversation), verbatim. */
export const APIRTC_TICKET_BODY = `{
    "event": "update",
    "time": 1575976413,
    "object": "ticket",
    "objectId": 100,
    "props": {
        "state": "invited"
        }
}`;

export const APIRTC_CONVERSATION_BODY = `{
  "event": "update",
  "time": 1632144306,
  "object": "conversation",
  "objectId": "734e3a7b-eb17-4d3f-901d-bcff178b",
  "props": {
    "eventType": "conversationEnded",
    "name": "TEST",
    "finishedAt": "2021-09-20T13:25:06+00:00"
  }
}`;

/** Constructed from the documented media props. */
export const APIRTC_MEDIA_BODY = JSON.stringify({
	event: 'create',
	time: 1575976500,
	object: 'media',
	objectId: 5512,
	props: { state: 'completed', _parent: { name: 'ticket', id: 100 } },
});

/** Constructed: `smsmessage` is listed in newer docs without a props description. */
export const APIRTC_SMSMESSAGE_BODY = JSON.stringify({
	event: 'delete',
	time: 1575976600,
	object: 'smsmessage',
	objectId: 'sms-77',
	props: { to: '+33100000000' },
});

/** Constructed from the Roomle webhook field list. */
export const ROOMLE_SHARE_BODY = JSON.stringify({
	event: 'email.shareConfiguration',
	data: {
		success: true,
		email: 'buyer@example.com',
		configurationId: 'usm:frame:ABC123',
		configuratorId: 'demoConfigurator',
		url: 'https://www.roomle.com/t/cp/?id=usm:frame:ABC123',
	},
});

/** Constructed from the generic admin-console webhook settings page. */
export const EVENT_WEBHOOK_BODY = JSON.stringify({
	event_time: '2024-05-01T10:20:30.000Z',
	event_type: 'user.created',
	current_context: { tenant: 't-1' },
	data: { id: 17, email: 'someone@example.com' },
});
