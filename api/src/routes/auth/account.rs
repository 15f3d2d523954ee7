//! The caller's own account: their password (the old one first) and their WeChat binding.

use actix_web::{HttpResponse, delete, get, post, web};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::{ActiveModelTrait, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::json::{ChangePassword, WeChatBindingView};
use crate::auth::{AuthUser, password};
use crate::error::{ApiError, ApiResult, validate};
use crate::routes::common::{Json, Problem};
use crate::state::State;
use crate::store::entity::{user, wechat_binding};
use crate::store::{audit, sessions, users};

/// Changes the caller's own password, the old one given. Every session of the account ends, this
/// one too: the client signs in again with the new password.
#[utoipa::path(tag = "auth", operation_id = "change_my_password", security(("bearer" = [])), request_body = ChangePassword,
    responses((status = 204, description = "Changed; every session ended"), (status = 401, response = Problem),
        (status = 403, response = Problem), (status = 422, response = Problem)))]
#[post("/me/password")]
pub async fn change_my_password(state: State, caller: AuthUser, body: Json<ChangePassword>) -> ApiResult<HttpResponse> {
    validate(&*body)?;
    let u = users::by_id(&state.db, caller.id).await?.ok_or_else(ApiError::not_found)?;
    if !password::verify(body.old_password.clone(), u.password_hash.clone()).await? {
        return Err(ApiError::field("old_password", "wrong_password", "原密码不正确"));
    }
    if body.old_password == body.new_password {
        return Err(ApiError::field("new_password", "unchanged", "新密码不能与原密码相同"));
    }
    let hash = password::hash(body.new_password.clone()).await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let mut am: user::ActiveModel = u.into();
    am.password_hash = Set(Some(hash));
    am.updated_at = Set(now);
    let u = am.update(&txn).await?;
    sessions::revoke_all_of_user(&txn, u.id, now).await?;
    audit::record(
        &txn,
        Some(&caller),
        audit::Event {
            town_id: u.town_id,
            action: "user.change_password",
            object_type: "user",
            object_id: Some(u.id),
            detail: json!({}),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    state.user_changed(u.id);
    Ok(HttpResponse::NoContent().finish())
}

/// The WeChat account bound to the caller's account, if any (the openid masked).
#[utoipa::path(tag = "auth", operation_id = "list_my_wechat_bindings", security(("bearer" = [])),
    responses((status = 200, body = Vec<WeChatBindingView>), (status = 401, response = Problem)))]
#[get("/me/wechat-bindings")]
pub async fn list_my_wechat_bindings(state: State, caller: AuthUser) -> ApiResult<web::Json<Vec<WeChatBindingView>>> {
    let rows =
        wechat_binding::Entity::find().filter(wechat_binding::Column::UserId.eq(caller.id)).all(&state.db).await?;
    Ok(web::Json(rows.into_iter().map(WeChatBindingView::from).collect()))
}

/// Removes a WeChat binding of the caller's own account: that phone no longer signs in by WeChat.
#[utoipa::path(tag = "auth", operation_id = "delete_my_wechat_binding", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Removed"), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[delete("/me/wechat-bindings/{id}")]
pub async fn delete_my_wechat_binding(state: State, caller: AuthUser, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let gone = wechat_binding::Entity::delete_many()
        .filter(wechat_binding::Column::Id.eq(*id))
        .filter(wechat_binding::Column::UserId.eq(caller.id))
        .exec(&txn)
        .await?
        .rows_affected;
    if gone == 0 {
        return Err(ApiError::not_found());
    }
    audit::record(
        &txn,
        Some(&caller),
        audit::Event {
            town_id: caller.town_id,
            action: "user.unbind_wechat",
            object_type: "user",
            object_id: Some(caller.id),
            detail: json!({ "binding_id": *id }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
