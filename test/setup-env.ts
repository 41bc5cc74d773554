// n8n's own logger prints node errors to stdout; the tests assert them instead.
process.env.N8N_LOG_LEVEL ??= 'silent';
