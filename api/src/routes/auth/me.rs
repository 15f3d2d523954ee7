//! Who am I.

use actix_web::{get, web};

use super::json::Me;
use super::session::me_of;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::routes::common::Problem;
use crate::state::State;
use crate::store::users;

/// The signed-in user with their roles and groups.
#[utoipa::path(
    tag = "auth",
    operation_id = "get_me",
    security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, response = Problem))
)]
#[get("/me")]
pub async fn get_me(state: State, user: AuthUser) -> ApiResult<web::Json<Me>> {
    let u = users::by_id(&state.db, user.id).await?.ok_or_else(ApiError::not_found)?;
    Ok(web::Json(me_of(&state.db, &u).await?))
}
