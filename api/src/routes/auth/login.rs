//! Password login, refresh-token rotation and logout.

use crate::routes::common::Json;
use actix_web::{HttpRequest, HttpResponse, post, web};
use sea_orm::TransactionTrait;
use serde_json::json;

use super::json::{LoginRequest, RefreshRequest, TokenResponse};
use super::session;
use crate::auth::extractor::client_ip;
use crate::auth::tokens::hash_refresh_token;
use crate::auth::{AuthUser, password};
use crate::error::{ApiError, ApiResult, validate};
use crate::routes::common::Problem;
use crate::state::State;
use crate::store::{audit, sessions, users};

fn bad_credentials() -> ApiError {
    ApiError::unauthorized("invalid_credentials", "用户名或密码错误", "the username or password is wrong")
}

/// Signs in with a username and password. Attempts are limited per account and per address.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_session",
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, response = Problem),
        (status = 422, response = Problem),
        (status = 429, response = Problem),
    )
)]
#[post("/auth/login")]
pub async fn login(state: State, req: HttpRequest, body: Json<LoginRequest>) -> ApiResult<web::Json<TokenResponse>> {
    validate(&*body)?;
    let ip = client_ip(&req, state.settings.trust_forwarded_for).unwrap_or_default();
    state.limiter.check(&body.username, &ip)?;
    let user = users::by_username(&state.db, &body.username).await?;
    let stored = user.as_ref().filter(|u| u.active).and_then(|u| u.password_hash.clone());
    if !password::verify(body.password.clone(), stored).await? {
        return Err(bad_credentials());
    }
    let user = user.ok_or_else(bad_credentials)?;
    let tokens = session::issue(&state.db, &state, &user, None).await?;
    audit::record(
        &state.db,
        None,
        audit::Event {
            town_id: user.town_id,
            action: "auth.login",
            object_type: "user",
            object_id: Some(user.id),
            detail: json!({ "ip": ip }),
        },
        state.clock.now(),
    )
    .await?;
    Ok(web::Json(tokens))
}

/// Exchanges a refresh token for a new pair. Each refresh token works once: presenting a used
/// one again revokes its whole family (someone copied it).
#[utoipa::path(
    tag = "auth",
    operation_id = "refresh_session",
    request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, response = Problem), (status = 422, response = Problem))
)]
#[post("/auth/refresh")]
pub async fn refresh(state: State, body: Json<RefreshRequest>) -> ApiResult<web::Json<TokenResponse>> {
    validate(&*body)?;
    let now = state.clock.now();
    let invalid =
        || ApiError::unauthorized("invalid_refresh_token", "登录已失效，请重新登录", "the refresh token is not valid");
    let txn = state.db.begin().await?;
    let token = sessions::by_hash(&txn, &hash_refresh_token(&body.refresh_token)).await?.ok_or_else(invalid)?;
    if token.revoked_at.is_some() || token.expires_at <= now {
        return Err(invalid());
    }
    if !sessions::mark_used(&txn, token.id, now).await? {
        // Reuse of a rotated token: revoke the family, committed even though the request fails.
        sessions::revoke_family(&txn, token.family_id, now).await?;
        txn.commit().await?;
        state.user_changed(token.user_id);
        return Err(ApiError::unauthorized(
            "refresh_token_reused",
            "登录凭证被重复使用，已强制下线，请重新登录",
            "the refresh token was already used; the session is revoked",
        ));
    }
    let user = users::by_id(&txn, token.user_id).await?.filter(|u| u.active).ok_or_else(invalid)?;
    let tokens = session::issue(&txn, &state, &user, Some(token.family_id)).await?;
    txn.commit().await?;
    Ok(web::Json(tokens))
}

/// Ends the session: its refresh family and the access tokens issued with it stop working.
#[utoipa::path(
    tag = "auth",
    operation_id = "delete_session",
    security(("bearer" = [])),
    responses((status = 204, description = "Signed out"), (status = 401, response = Problem))
)]
#[post("/auth/logout")]
pub async fn logout(state: State, user: AuthUser, req: HttpRequest) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let family = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|t| state.tokens.verify(t, crate::auth::tokens::TokenUse::Access, now).ok())
        .and_then(|c| c.fam);
    match family {
        Some(f) => sessions::revoke_family(&state.db, f, now).await?,
        None => sessions::revoke_all_of_user(&state.db, user.id, now).await?,
    }
    state.user_changed(user.id);
    audit::record(
        &state.db,
        Some(&user),
        audit::Event {
            town_id: None,
            action: "auth.logout",
            object_type: "user",
            object_id: Some(user.id),
            detail: json!({}),
        },
        now,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
