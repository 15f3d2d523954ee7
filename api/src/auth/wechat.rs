//! WeChat: mini-program login (`code2session`) and subscribe messages (`subscribe/send` with an
//! access token cached until shortly before it expires), at a configurable base URL.
//!
//! The `session_key` WeChat returns never leaves this module: nothing here needs it (we do not
//! decrypt WeChat's encrypted user data), so it is dropped as soon as the answer is parsed.

use std::time::Duration;

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::settings::WeChatSettings;

#[derive(Clone)]
pub struct WeChatClient {
    http: reqwest::Client,
    settings: Option<WeChatSettings>,
    /// The access token and when to stop using it: in memory, and in Redis (shared by instances) when configured.
    token: std::sync::Arc<tokio::sync::Mutex<Option<CachedToken>>>,
    redis: Option<(redis::aio::ConnectionManager, String)>,
}

impl std::fmt::Debug for WeChatClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeChatClient").field("configured", &self.settings.is_some()).finish_non_exhaustive()
    }
}

/// An access token and the moment to stop using it.
type CachedToken = (String, DateTime<Utc>);

/// What WeChat did with a subscribe message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    Sent,
    /// 43101: the user has no consent left for the template (or turned the messages off).
    Refused,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    #[serde(default)]
    expires_in: i64,
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

#[derive(Deserialize)]
struct SendAnswer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// A token is dropped this long before WeChat says it expires.
const TOKEN_MARGIN_SECONDS: i64 = 300;

/// Who WeChat says the user is.
#[derive(Debug, Clone)]
pub struct WeChatIdentity {
    pub openid: String,
    pub unionid: Option<String>,
}

/// WeChat's answer; `session_key` is read only to be dropped.
#[derive(Deserialize)]
struct Code2SessionAnswer {
    openid: Option<String>,
    unionid: Option<String>,
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

impl WeChatClient {
    pub fn new(
        settings: Option<WeChatSettings>,
        redis: Option<(redis::aio::ConnectionManager, String)>,
    ) -> anyhow::Result<Self> {
        // One TLS provider for the process (ring, as sea-orm's rustls uses); a second call is a no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(3))
            .build()?;
        Ok(Self { http, settings, token: Default::default(), redis })
    }

    pub fn settings(&self) -> Option<&WeChatSettings> {
        self.settings.as_ref()
    }

    /// The app's access token: from memory, then Redis, then WeChat (`/cgi-bin/token`).
    async fn access_token(&self, s: &WeChatSettings, now: DateTime<Utc>) -> anyhow::Result<String> {
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && *until > now
        {
            return Ok(token.clone());
        }
        if let Some((conn, key)) = &self.redis {
            let got: redis::RedisResult<Option<String>> =
                redis::cmd("GET").arg(key).query_async(&mut conn.clone()).await;
            if let Ok(Some(token)) = got {
                // Redis expires the key itself; keep it here for a minute at most.
                *cached = Some((token.clone(), now + chrono::Duration::seconds(60)));
                return Ok(token);
            }
        }
        let url = format!("{}/cgi-bin/token", s.api_base.trim_end_matches('/'));
        let answer: TokenAnswer = self
            .http
            .get(url)
            .query(&[
                ("grant_type", "client_credential"),
                ("appid", s.app_id.as_str()),
                ("secret", s.app_secret.expose_secret()),
            ])
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("WeChat token request failed: {}", e.without_url()))?
            .json()
            .await?;
        let token = match (answer.errcode, answer.access_token) {
            (0, Some(t)) if !t.is_empty() => t,
            (code, _) => anyhow::bail!("WeChat refused the access token: {code} {}", answer.errmsg),
        };
        let ttl = (answer.expires_in - TOKEN_MARGIN_SECONDS).max(60);
        *cached = Some((token.clone(), now + chrono::Duration::seconds(ttl)));
        if let Some((conn, key)) = &self.redis {
            let set: redis::RedisResult<()> =
                redis::cmd("SET").arg(key).arg(&token).arg("EX").arg(ttl).query_async(&mut conn.clone()).await;
            if let Err(e) = set {
                tracing::warn!(error.message = %e, "cannot cache the WeChat access token in Redis");
            }
        }
        Ok(token)
    }

    async fn forget_token(&self) {
        *self.token.lock().await = None;
        if let Some((conn, key)) = &self.redis {
            let _: redis::RedisResult<()> = redis::cmd("DEL").arg(key).query_async(&mut conn.clone()).await;
        }
    }

    /// Sends a subscribe message (`/cgi-bin/message/subscribe/send`). An expired or invalid token
    /// is fetched again once; other errors are returned for the queue to retry.
    pub async fn send_subscribe(
        &self,
        openid: &str,
        template_id: &str,
        data: serde_json::Value,
        now: DateTime<Utc>,
    ) -> anyhow::Result<SendOutcome> {
        let Some(s) = &self.settings else { anyhow::bail!("WeChat is not configured") };
        let body = serde_json::json!({
            "touser": openid,
            "template_id": template_id,
            "page": s.page,
            "miniprogram_state": s.miniprogram_state,
            "lang": "zh_CN",
            "data": data,
        });
        let url = format!("{}/cgi-bin/message/subscribe/send", s.api_base.trim_end_matches('/'));
        for attempt in 0..2 {
            let token = self.access_token(s, now).await?;
            let answer: SendAnswer = self
                .http
                .post(&url)
                .query(&[("access_token", token.as_str())])
                .json(&body)
                .send()
                .await
                .map_err(|e| anyhow::anyhow!("WeChat subscribe/send failed: {}", e.without_url()))?
                .json()
                .await?;
            match answer.errcode {
                0 => return Ok(SendOutcome::Sent),
                43101 => return Ok(SendOutcome::Refused),
                // 40001 invalid credential, 40014 invalid token, 42001 token expired: fetch a new one once.
                40001 | 40014 | 42001 if attempt == 0 => self.forget_token().await,
                code => anyhow::bail!("WeChat subscribe/send refused: {code} {}", answer.errmsg),
            }
        }
        anyhow::bail!("WeChat kept refusing the access token")
    }

    pub async fn code2session(&self, code: &str) -> ApiResult<WeChatIdentity> {
        let Some(s) = &self.settings else {
            return Err(ApiError::problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "wechat_not_configured",
                "未配置微信登录，请使用账号密码登录",
                "WeChat login is not configured on this server",
            ));
        };
        let url = format!("{}/sns/jscode2session", s.api_base.trim_end_matches('/'));
        let unavailable = || {
            ApiError::problem(
                StatusCode::BAD_GATEWAY,
                "wechat_unavailable",
                "微信服务暂时无法访问，请稍后再试",
                "WeChat did not answer",
            )
        };
        let answer: Code2SessionAnswer = self
            .http
            .get(url)
            .query(&[
                ("appid", s.app_id.as_str()),
                ("secret", s.app_secret.expose_secret()),
                ("js_code", code),
                ("grant_type", "authorization_code"),
            ])
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(error.message = %e.without_url(), "code2session request failed");
                unavailable()
            })?
            .json()
            .await
            .map_err(|_| unavailable())?;
        match (answer.errcode, answer.openid) {
            (0, Some(openid)) if !openid.is_empty() => Ok(WeChatIdentity { openid, unionid: answer.unionid }),
            // 40029: invalid code; 40163: code already used.
            (40029 | 40163, _) => Err(ApiError::unauthorized(
                "wechat_code_invalid",
                "微信登录码无效或已使用，请重新进入小程序",
                "the WeChat login code is invalid or was used",
            )),
            (45011, _) => Err(ApiError::RateLimited { retry_after_seconds: 60 }),
            (code, _) => {
                tracing::warn!(wechat.errcode = code, wechat.errmsg = %answer.errmsg, "code2session refused");
                Err(unavailable())
            }
        }
    }
}
