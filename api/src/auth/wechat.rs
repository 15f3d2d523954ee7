//! WeChat mini-program login: `code2session` at a configurable base URL.
//!
//! The `session_key` WeChat returns never leaves this module: nothing here needs it (we do not
//! decrypt WeChat's encrypted user data), so it is dropped as soon as the answer is parsed.

use std::time::Duration;

use actix_web::http::StatusCode;
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::settings::WeChatSettings;

#[derive(Debug, Clone)]
pub struct WeChatClient {
    http: reqwest::Client,
    settings: Option<WeChatSettings>,
}

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
    pub fn new(settings: Option<WeChatSettings>) -> anyhow::Result<Self> {
        // One TLS provider for the process (ring, as sea-orm's rustls uses); a second call is a no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(3))
            .build()?;
        Ok(Self { http, settings })
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
