-- Tokens may expire (SPEC §5): an expired token is refused like a revoked one, with its own message.
-- NULL means the token never expires (tokens made before this migration keep working).
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS expires_at Nullable(DateTime64(3, 'UTC')) AFTER created_at;
