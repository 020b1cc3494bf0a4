-- The acting users' own portal tokens for the tidy-up actions (docs/ACTIONS.md, docs/SECURITY.md), shared by every
-- server replica: a launch on one replica, a run on another. Keyed by the SHA-256 (hex) of the random key the signed
-- session carries, never the key itself. Tokens are kept as plain text, like the app's own install tokens in
-- portal_apps. Expired rows are deleted when grants are written; a deleted portal takes its grants with it.
CREATE TABLE user_grants (
    key_hash            TEXT    PRIMARY KEY,        -- hex SHA-256 of the session's grant key
    portal_id           BIGINT  NOT NULL REFERENCES portals(id) ON DELETE CASCADE,
    user_id             BIGINT  NOT NULL,
    client_id           TEXT    NOT NULL,
    endpoint            TEXT    NOT NULL,           -- the client_endpoint the OAuth server named at launch
    access_token        TEXT    NOT NULL,
    refresh_token       TEXT    NOT NULL,
    token_version       BIGINT  NOT NULL DEFAULT 0, -- bumped by every token refresh (compare-and-swap)
    expires_at          BIGINT  NOT NULL,           -- unix seconds; the grant is gone after this
    created_at          BIGINT  NOT NULL
);
CREATE INDEX user_grants_by_expiry ON user_grants (expires_at);
CREATE INDEX user_grants_by_portal ON user_grants (portal_id);
