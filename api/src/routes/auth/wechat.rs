//! WeChat mini-program sign-in: a `wx.login()` code becomes tokens, or a ticket to bind the
//! WeChat account to an existing user with that user's password (once).

use crate::routes::common::Json;
use actix_web::{HttpRequest, post, web};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, TransactionTrait};
use serde_json::json;

use super::json::{BindTicket, TokenResponse, WeChatBindRequest, WeChatLoginRequest, WeChatLoginResponse};
use super::session;
use crate::auth::extractor::client_ip;
use crate::auth::password;
use crate::auth::tokens::TokenUse;
use crate::error::{ApiError, ApiResult, validate};
use crate::routes::common::Problem;
use crate::state::State;
use crate::store::entity::wechat_binding;
use crate::store::{audit, users};

/// Signs in with a `wx.login()` code, through WeChat's `code2session`.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_wechat_session",
    request_body = WeChatLoginRequest,
    responses(
        (status = 200, body = WeChatLoginResponse, description = "Tokens when the WeChat account is bound, else a bind ticket"),
        (status = 401, response = Problem),
        (status = 422, response = Problem),
        (status = 502, response = Problem),
        (status = 503, response = Problem),
    )
)]
#[post("/auth/wechat")]
pub async fn wechat_login(state: State, body: Json<WeChatLoginRequest>) -> ApiResult<web::Json<WeChatLoginResponse>> {
    validate(&*body)?;
    let identity = state.wechat.code2session(&body.code).await?;
    let binding = wechat_binding::Entity::find()
        .filter(wechat_binding::Column::Openid.eq(&identity.openid))
        .one(&state.db)
        .await?;
    if let Some(b) = binding
        && let Some(u) = users::by_id(&state.db, b.user_id).await?.filter(|u| u.active)
    {
        return Ok(web::Json(WeChatLoginResponse::Bound(session::issue(&state.db, &state, &u, None).await?)));
    }
    let ticket = state.tokens.bind_ticket(&identity.openid, identity.unionid, state.clock.now())?;
    Ok(web::Json(WeChatLoginResponse::Unbound(BindTicket { bind_ticket: ticket, expires_in: 600 })))
}

/// Binds the WeChat account behind a bind ticket to a user, proven by that user's password.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_wechat_binding",
    request_body = WeChatBindRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
        (status = 429, response = Problem),
    )
)]
#[post("/auth/wechat/bind")]
pub async fn wechat_bind(
    state: State,
    req: HttpRequest,
    body: Json<WeChatBindRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    validate(&*body)?;
    let now = state.clock.now();
    let claims = state.tokens.verify(&body.bind_ticket, TokenUse::Bind, now).map_err(|_| {
        ApiError::unauthorized(
            "invalid_bind_ticket",
            "绑定凭证无效或已过期，请重新进入小程序",
            "the bind ticket is invalid or expired",
        )
    })?;
    let ip = client_ip(&req, state.settings.trust_forwarded_for).unwrap_or_default();
    state.limiter.check(&body.username, &ip)?;
    let user = users::by_username(&state.db, &body.username).await?;
    let stored = user.as_ref().filter(|u| u.active).and_then(|u| u.password_hash.clone());
    if !password::verify(body.password.clone(), stored).await? {
        return Err(ApiError::unauthorized(
            "invalid_credentials",
            "用户名或密码错误",
            "the username or password is wrong",
        ));
    }
    let user =
        user.ok_or_else(|| ApiError::unauthorized("invalid_credentials", "用户名或密码错误", "wrong credentials"))?;
    let txn = state.db.begin().await?;
    let taken = wechat_binding::Entity::find().filter(wechat_binding::Column::Openid.eq(&claims.sub)).one(&txn).await?;
    if taken.is_some() {
        return Err(ApiError::conflict(
            "wechat_already_bound",
            "该微信已绑定其他账号",
            "this WeChat account is already bound",
        ));
    }
    wechat_binding::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        openid: Set(claims.sub.clone()),
        unionid: Set(claims.uid.clone()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let tokens = session::issue(&txn, &state, &user, None).await?;
    audit::record(
        &txn,
        None,
        audit::Event {
            town_id: user.town_id,
            action: "auth.wechat_bind",
            object_type: "user",
            object_id: Some(user.id),
            detail: json!({ "ip": ip }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(web::Json(tokens))
}
