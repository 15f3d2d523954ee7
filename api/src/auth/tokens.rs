//! Access tokens (short-lived JWT, HS256 pinned) and opaque refresh tokens (rotated, stored hashed).
//!
//! `exp` and `iat` are checked against the service clock, not the system clock, so that the
//! clock tests set also governs token lifetimes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

const ISSUER: &str = "changxiao";
const AUDIENCE: &str = "changxiao-api";

/// What a token is for: an access token cannot be used as a bind ticket or the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenUse {
    Access,
    Bind,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub iss: String,
    pub aud: String,
    #[serde(rename = "use")]
    pub token_use: TokenUse,
    /// The refresh-token family the access token belongs to: logging out revokes both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fam: Option<Uuid>,
    /// On bind tickets: the WeChat union id, when WeChat gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub access_ttl_seconds: i64,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(..)")
    }
}

impl TokenKeys {
    pub fn new(secret: &str, access_ttl_seconds: i64) -> anyhow::Result<Self> {
        Ok(Self {
            encoding: EncodingKey::from_secret(secret.as_bytes())?,
            decoding: DecodingKey::from_secret(secret.as_bytes())?,
            access_ttl_seconds,
        })
    }

    fn sign(
        &self,
        sub: String,
        token_use: TokenUse,
        ttl: i64,
        now: DateTime<Utc>,
        fam: Option<Uuid>,
        uid: Option<String>,
    ) -> ApiResult<String> {
        let claims = Claims {
            sub,
            iat: now.timestamp(),
            exp: now.timestamp() + ttl,
            jti: Uuid::new_v4().to_string(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            token_use,
            fam,
            uid,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("signing a token: {e}")))
    }

    pub fn access(&self, user: Uuid, family: Uuid, now: DateTime<Utc>) -> ApiResult<String> {
        self.sign(user.to_string(), TokenUse::Access, self.access_ttl_seconds, now, Some(family), None)
    }

    /// A bind ticket: proof, for ten minutes, that WeChat vouched for this openid.
    pub fn bind_ticket(&self, openid: &str, unionid: Option<String>, now: DateTime<Utc>) -> ApiResult<String> {
        self.sign(openid.to_owned(), TokenUse::Bind, 600, now, None, unionid)
    }

    /// Verifies signature, algorithm, issuer, audience, use and lifetime.
    pub fn verify(&self, token: &str, expected: TokenUse, now: DateTime<Utc>) -> ApiResult<Claims> {
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[ISSUER]);
        v.set_audience(&[AUDIENCE]);
        v.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud", "jti"]);
        // Lifetimes are checked below against the service clock.
        v.validate_exp = false;
        let claims = decode::<Claims>(token, &self.decoding, &v)
            .map_err(|_| ApiError::unauthorized("invalid_token", "登录凭证无效，请重新登录", "the token is invalid"))?
            .claims;
        if claims.token_use != expected {
            return Err(ApiError::unauthorized(
                "invalid_token",
                "登录凭证无效，请重新登录",
                "the token is not for this use",
            ));
        }
        let t = now.timestamp();
        if claims.exp <= t {
            return Err(ApiError::unauthorized("token_expired", "登录已过期，请重新登录", "the token has expired"));
        }
        if claims.iat > t + 60 {
            return Err(ApiError::unauthorized(
                "invalid_token",
                "登录凭证无效，请重新登录",
                "the token was issued in the future",
            ));
        }
        Ok(claims)
    }
}

/// A new opaque refresh token (256 random bits) and the hash under which it is stored.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

pub fn hash_refresh_token(token: &str) -> String {
    crate::crypto::sha256_hex(token.as_bytes())
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new("0123456789abcdef0123456789abcdef", 900).unwrap()
    }

    #[test]
    fn an_access_token_verifies_until_it_expires() {
        let k = keys();
        let now = Utc::now();
        let t = k.access(Uuid::new_v4(), Uuid::new_v4(), now).unwrap();
        assert!(k.verify(&t, TokenUse::Access, now).is_ok());
        let later = now + chrono::Duration::seconds(900);
        assert!(k.verify(&t, TokenUse::Access, later).is_err());
    }

    #[test]
    fn a_bind_ticket_is_not_an_access_token() {
        let k = keys();
        let now = Utc::now();
        let t = k.bind_ticket("openid-1", None, now).unwrap();
        assert!(k.verify(&t, TokenUse::Access, now).is_err());
        assert!(k.verify(&t, TokenUse::Bind, now).is_ok());
    }

    #[test]
    fn a_token_signed_with_another_key_or_alg_none_is_refused() {
        let now = Utc::now();
        let other = TokenKeys::new("another-secret-another-secret-xx", 900).unwrap();
        let t = other.access(Uuid::new_v4(), Uuid::new_v4(), now).unwrap();
        assert!(keys().verify(&t, TokenUse::Access, now).is_err());
        // alg: none with the same claims.
        let payload = t.split('.').nth(1).unwrap();
        let none = format!("{}.{payload}.", URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#));
        assert!(other.verify(&none, TokenUse::Access, now).is_err());
    }
}
