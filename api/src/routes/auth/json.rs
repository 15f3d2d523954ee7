//! Request and response bodies of the sign-in routes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 64, message = "请输入用户名"))]
    #[schema(min_length = 1, max_length = 64)]
    pub username: String,
    #[validate(length(min = 1, max = 256, message = "请输入密码"))]
    #[schema(min_length = 1, max_length = 256)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque, single-use: exchange it at `/auth/refresh` for a new pair.
    pub refresh_token: String,
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub user: Me,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 200, message = "缺少刷新凭证"))]
    #[schema(min_length = 1, max_length = 200)]
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct WeChatLoginRequest {
    /// The code from `wx.login()`.
    #[validate(length(min = 1, max = 128, message = "缺少微信登录码"))]
    #[schema(min_length = 1, max_length = 128)]
    pub code: String,
}

/// Either tokens (the WeChat account is bound) or a ticket to bind it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum WeChatLoginResponse {
    Bound(TokenResponse),
    Unbound(BindTicket),
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BindTicket {
    /// Present it with a username and password at `/auth/wechat/bind` within `expires_in` seconds.
    pub bind_ticket: String,
    pub expires_in: i64,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct WeChatBindRequest {
    #[validate(length(min = 1, max = 2000, message = "缺少绑定凭证"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub bind_ticket: String,
    #[validate(length(min = 1, max = 64, message = "请输入用户名"))]
    #[schema(min_length = 1, max_length = 64)]
    pub username: String,
    #[validate(length(min = 1, max = 256, message = "请输入密码"))]
    #[schema(min_length = 1, max_length = 256)]
    pub password: String,
}

/// One role the user holds, and where.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoleGrantView {
    pub id: Uuid,
    /// e.g. `cadre`, `rro_staff`.
    pub role: String,
    /// `district`, `town`, `village`, `work_team` or `department`.
    pub scope_kind: String,
    pub scope_id: Uuid,
}

/// The signed-in user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Me {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub town_id: Option<Uuid>,
    pub grants: Vec<RoleGrantView>,
    /// Groups (社) the user is responsible for (包社).
    pub group_ids: Vec<Uuid>,
}

/// A new password for one's own account, with the old one.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    #[validate(length(min = 1, max = 256, message = "请输入原密码"))]
    #[schema(min_length = 1, max_length = 256)]
    pub old_password: String,
    #[validate(length(min = 10, max = 256, message = "密码至少10个字符"))]
    #[schema(min_length = 10, max_length = 256)]
    pub new_password: String,
}

/// A WeChat account bound to one's own account.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct WeChatBindingView {
    pub id: uuid::Uuid,
    /// The openid, masked.
    pub openid_masked: String,
    pub bound_at: chrono::DateTime<chrono::Utc>,
}

impl From<crate::store::entity::wechat_binding::Model> for WeChatBindingView {
    fn from(b: crate::store::entity::wechat_binding::Model) -> Self {
        let keep: String = b.openid.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
        Self { id: b.id, openid_masked: format!("****{keep}"), bound_at: b.created_at }
    }
}
