//! Refreshing a token pair at the OAuth server with the `oauth2` crate. Bitrix24's token response lacks
//! `token_type` and carries extra fields, so it has its own response type. This module performs one refresh
//! request; serialisation across threads and processes is the client's job, not this module's.

use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
    BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AccessToken, AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, RefreshToken,
    RequestTokenError, Scope, StandardRevocableToken, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

use crate::auth::{token_url_for, OAuthApp, TokenPair};
use crate::error::ApiError;

/// The OAuth server's answer to a refresh.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BitrixTokenResponse {
    access_token: AccessToken,
    refresh_token: Option<RefreshToken>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    expires: Option<serde_json::Value>,
    #[serde(default)]
    member_id: Option<String>,
    #[serde(default)]
    client_endpoint: Option<String>,
    #[serde(skip, default = "bearer")]
    token_type: BasicTokenType,
}

fn bearer() -> BasicTokenType {
    BasicTokenType::Bearer
}

impl TokenResponse for BitrixTokenResponse {
    type TokenType = BasicTokenType;
    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }
    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }
    fn expires_in(&self) -> Option<Duration> {
        let secs = self
            .expires_in
            .as_ref()
            .and_then(|v| crate::value::int(v).ok().flatten())?;
        u64::try_from(secs).ok().map(Duration::from_secs)
    }
    fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }
    fn scopes(&self) -> Option<&Vec<Scope>> {
        None
    }
}

type BitrixOAuthClient = oauth2::Client<
    BasicErrorResponse,
    BitrixTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Exchanges `refresh_token` for a new pair at `server_endpoint`'s token URL. The returned pair has version 0;
/// the caller stores it with compare-and-swap.
pub async fn refresh(
    http: &reqwest::Client,
    app: &OAuthApp,
    server_endpoint: &str,
    refresh_token: &str,
    now_unix: i64,
) -> Result<TokenPair, ApiError> {
    let token_url = TokenUrl::new(token_url_for(server_endpoint))
        .map_err(|e| ApiError::Config(e.to_string()))?;
    let client: BitrixOAuthClient = oauth2::Client::new(ClientId::new(app.client_id.clone()))
        .set_client_secret(ClientSecret::new(app.client_secret.clone()))
        .set_auth_type(AuthType::RequestBody)
        .set_token_uri(token_url);
    let token = RefreshToken::new(refresh_token.to_string());
    let answer = client
        .exchange_refresh_token(&token)
        .request_async(http)
        .await;
    match answer {
        Ok(resp) => {
            let expires_at = resp
                .expires
                .as_ref()
                .and_then(|v| crate::value::int(v).ok().flatten())
                .or_else(|| resp.expires_in().map(|d| now_unix + d.as_secs() as i64))
                .unwrap_or(now_unix + 3600);
            let Some(new_refresh) = resp.refresh_token() else {
                return Err(ApiError::Malformed(
                    "token response without refresh_token".into(),
                ));
            };
            Ok(TokenPair {
                access_token: resp.access_token().secret().clone(),
                refresh_token: new_refresh.secret().clone(),
                expires_at,
                version: 0,
            })
        }
        Err(RequestTokenError::ServerResponse(err)) => {
            let code = match err.error() {
                BasicErrorResponseType::InvalidGrant => "invalid_grant".to_string(),
                BasicErrorResponseType::InvalidClient => "invalid_client".to_string(),
                BasicErrorResponseType::Extension(code) => code.clone(),
                other => other.to_string(),
            };
            let description = err.error_description().cloned().unwrap_or_default();
            match ApiError::from_code(400, &code, &description, "oauth/token") {
                e @ (ApiError::AuthRevoked { .. } | ApiError::Server { .. }) => Err(e),
                ApiError::Method {
                    code, description, ..
                } if code == "invalid_request" || code == "unauthorized_client" => {
                    Err(ApiError::AuthRevoked { code, description })
                }
                other => Err(other),
            }
        }
        Err(RequestTokenError::Request(e)) => Err(ApiError::Network(e.to_string())),
        Err(RequestTokenError::Parse(e, body)) => {
            let snippet = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
            Err(ApiError::Server {
                status: 0,
                detail: format!("token response unreadable ({e}): {snippet}"),
            })
        }
        Err(RequestTokenError::Other(e)) => Err(ApiError::Server {
            status: 0,
            detail: e,
        }),
    }
}
