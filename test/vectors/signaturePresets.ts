/**
 * The signature presets' published examples: each vendor's own secret, signed bytes and
 * signature, copied from the page named above it. Shopify has published none (see below).
 */

/**
 * GitHub, "Validating webhook deliveries" → "Testing the webhook payload validation":
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
 */
export const GITHUB_VECTOR = {
	secret: "It's a Secret to Everybody",
	body: 'Hello, World!',
	header: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
} as const;

/**
 * Slack, "Verifying requests from Slack" (the slash command walk-through):
 * https://docs.slack.dev/authentication/verifying-requests-from-slack (formerly
 * https://api.slack.com/authentication/verifying-requests-from-slack). The body is that page's
 * form-encoded slash command, byte for byte: the published signature matches only those bytes.
 */
export const SLACK_VECTOR = {
	secret: '8f742231b10e8888abcd99yyyzzz85a5',
	timestamp: 1531420618,
	body:
		'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
		'&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
		'&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
		'&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
	header: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
} as const;

/**
 * Stripe's own .NET library pins its webhook verification with this fixture: secret, time, body
 * and the Stripe-Signature header (a `v0=` entry included, which verifiers must ignore).
 * https://github.com/stripe/stripe-dotnet/blob/master/src/StripeTests/Services/Events/EventUtilityTest.cs
 * https://github.com/stripe/stripe-dotnet/blob/master/src/StripeTests/Resources/event_test_signature.json
 * Stripe's docs publish no example; stripe-node's tests compute theirs at run time.
 */
export const STRIPE_VECTOR = {
	secret: 'webhook_secret',
	timestamp: 1533204620,
	// event_test_signature.json with its final newline (the test reads the file as it is).
	body: `{
  "id": "evt_123",
  "object": "event",
  "account": "acct_123",
  "api_version": "2017-05-25",
  "created": 1533204620,
  "data": {
    "object": {
      "id": "cus_123",
      "object": "customer",
      "created": 123456789,
      "email": "test@stripe.com",
      "livemode": false,
      "metadata": {}
    }
  },
  "livemode": false,
  "pending_webhooks": 1,
  "request": {
    "id": "req_123",
    "idempotency_key": "idempotency-key-123"
  },
  "type": "customer.created"
}
`,
	header:
		't=1533204620,v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7,v0=63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef',
} as const;

/**
 * Standard Webhooks' reference library pins `sign()` with this vector ("sign function works"):
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/libraries/javascript/src/webhook.test.ts
 * (also in test/vectors/index.ts as STANDARD_WEBHOOKS_VECTOR).
 */
export { STANDARD_WEBHOOKS_VECTOR } from './index';

/**
 * Shopify has published no secret + body + signature example: shopify.dev ("Verify webhooks")
 * shows code only, and Shopify's own libraries (shopify-api-js, shopify-api-ruby) compute their
 * test signatures at run time. The Shopify tests therefore pin the preset with an independent
 * computation (node:crypto written out in the test), not with a vendor vector.
 */
