//! The organisation (SPEC §2): towns, villages, groups, work teams, departments, users and grants.

mod json;
mod places;
mod users;

pub use json::*;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(places::list_towns)
        .service(places::update_town)
        .service(places::list_villages)
        .service(places::create_village)
        .service(places::list_groups)
        .service(places::create_group)
        .service(places::list_work_teams)
        .service(places::create_work_team)
        .service(places::list_departments)
        .service(places::create_department)
        .service(users::list_users)
        .service(users::create_user)
        .service(users::get_user)
        .service(users::update_user)
        .service(users::create_grant)
        .service(users::delete_grant)
        .service(users::set_user_groups);
}
