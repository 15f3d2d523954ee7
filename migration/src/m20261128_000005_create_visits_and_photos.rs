//! Photos (kept as proof), visits with their visitors, photos and flags, the problems visits find,
//! and the town cross spot-check rounds.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{created_at, drop_tables, fk, id, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("photos")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(uuid("uploaded_by"))
                    .col(string("sha256"))
                    .col(big_integer("phash"))
                    .col(string("content_type"))
                    .col(big_integer("size_bytes"))
                    .col(integer("width"))
                    .col(integer("height"))
                    .col(string("original_key"))
                    .col(string("thumbnail_key"))
                    .col(string("display_key"))
                    .col(timestamp_with_time_zone_null("exif_taken_at"))
                    .col(double_null("exif_latitude"))
                    .col(double_null("exif_longitude"))
                    .col(timestamp_with_time_zone_null("client_taken_at"))
                    .col(double_null("client_latitude"))
                    .col(double_null("client_longitude"))
                    .col(string_null("client_datum"))
                    .col(double_null("client_accuracy_m"))
                    .col(created_at())
                    .foreign_key(&mut fk("photos", "town_id", "towns"))
                    .foreign_key(&mut fk("photos", "uploaded_by", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("photos", &["uploaded_by", "sha256"])).await?;
        manager.create_index(index("photos", &["town_id", "sha256"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("visits")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(uuid("village_id"))
                    .col(uuid_null("group_id"))
                    .col(uuid("household_id"))
                    .col(uuid("client_id"))
                    .col(uuid("created_by"))
                    .col(string("request_hash"))
                    .col(string("kind"))
                    .col(string("outcome"))
                    .col(string_null("absent_reason"))
                    .col(timestamp_with_time_zone("visited_at"))
                    .col(string("month"))
                    .col(double_null("latitude"))
                    .col(double_null("longitude"))
                    .col(string_null("datum"))
                    .col(double_null("accuracy_m"))
                    .col(integer("checklist_version"))
                    .col(text("checklist"))
                    .col(text("flags"))
                    .col(string("review"))
                    .col(uuid_null("reviewed_by"))
                    .col(timestamp_with_time_zone_null("reviewed_at"))
                    .col(string_null("review_reason"))
                    .col(string_null("late_reason"))
                    .col(uuid_null("round_id"))
                    .col(created_at())
                    .foreign_key(&mut fk("visits", "town_id", "towns"))
                    .foreign_key(&mut fk("visits", "household_id", "households"))
                    .foreign_key(&mut fk("visits", "created_by", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("visits", &["created_by", "client_id"])).await?;
        manager.create_index(index("visits", &["household_id", "visited_at"])).await?;
        manager.create_index(index("visits", &["village_id", "visited_at"])).await?;
        manager.create_index(index("visits", &["town_id", "month"])).await?;
        manager.create_index(index("visits", &["town_id", "review"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("visit_visitors")
                    .col(uuid("visit_id"))
                    .col(uuid("user_id"))
                    .primary_key(Index::create().col("visit_id").col("user_id"))
                    .foreign_key(&mut fk("visit_visitors", "visit_id", "visits"))
                    .foreign_key(&mut fk("visit_visitors", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(index("visit_visitors", &["user_id", "visit_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("visit_photos")
                    .col(uuid("visit_id"))
                    .col(uuid("photo_id"))
                    .col(integer("position"))
                    .primary_key(Index::create().col("visit_id").col("photo_id"))
                    .foreign_key(&mut fk("visit_photos", "visit_id", "visits"))
                    .foreign_key(&mut fk("visit_photos", "photo_id", "photos"))
                    .take(),
            )
            .await?;
        manager.create_index(index("visit_photos", &["photo_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("problems")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(uuid("village_id"))
                    .col(uuid_null("group_id"))
                    .col(uuid_null("household_id"))
                    .col(string("source"))
                    .col(string("category"))
                    .col(text("description"))
                    .col(string("status"))
                    .col(uuid("found_by"))
                    .col(timestamp_with_time_zone("found_at"))
                    .col(uuid_null("visit_id"))
                    .col(text("evidence_photo_ids"))
                    .col(string_null("class"))
                    .col(date_null("deadline"))
                    .col(uuid_null("responsible_user_id"))
                    .col(text_null("measure"))
                    .col(text_null("plan"))
                    .col(uuid_null("claimed_by"))
                    .col(timestamp_with_time_zone_null("claimed_at"))
                    .col(date_null("claimed_on"))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .col(timestamp_with_time_zone_null("handed_over_at"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(text_null("decision"))
                    .col(integer("version"))
                    .col(created_at())
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("problems", "town_id", "towns"))
                    .foreign_key(&mut fk("problems", "village_id", "villages"))
                    .foreign_key(&mut fk("problems", "visit_id", "visits"))
                    .take(),
            )
            .await?;
        manager.create_index(index("problems", &["village_id", "found_at"])).await?;
        manager.create_index(index("problems", &["town_id", "status"])).await?;
        manager.create_index(index("problems", &["visit_id"])).await?;
        manager.create_index(index("problems", &["town_id", "deadline"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("problem_units")
                    .col(uuid("problem_id"))
                    .col(string("unit_kind"))
                    .col(uuid("unit_id"))
                    .primary_key(Index::create().col("problem_id").col("unit_kind").col("unit_id"))
                    .foreign_key(&mut fk("problem_units", "problem_id", "problems"))
                    .take(),
            )
            .await?;
        manager.create_index(index("problem_units", &["unit_kind", "unit_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("problem_events")
                    .col(id())
                    .col(uuid("problem_id"))
                    .col(string("action"))
                    .col(uuid_null("actor_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(text("note"))
                    .col(text("photo_ids"))
                    .col(text("data"))
                    .foreign_key(&mut fk("problem_events", "problem_id", "problems"))
                    .take(),
            )
            .await?;
        manager.create_index(index("problem_events", &["problem_id", "at"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("cross_check_rounds")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(string("quarter"))
                    .col(big_integer("seed"))
                    .col(string("size"))
                    .col(uuid("created_by"))
                    .col(created_at())
                    .foreign_key(&mut fk("cross_check_rounds", "town_id", "towns"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("cross_check_rounds", &["town_id", "quarter"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("cross_check_assignments")
                    .col(uuid("round_id"))
                    .col(uuid("household_id"))
                    .col(uuid("village_id"))
                    .col(uuid("checker_id"))
                    .primary_key(Index::create().col("round_id").col("household_id"))
                    .foreign_key(&mut fk("cross_check_assignments", "round_id", "cross_check_rounds"))
                    .foreign_key(&mut fk("cross_check_assignments", "household_id", "households"))
                    .foreign_key(&mut fk("cross_check_assignments", "checker_id", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(index("cross_check_assignments", &["checker_id", "round_id"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &[
                "cross_check_assignments",
                "cross_check_rounds",
                "problem_events",
                "problem_units",
                "problems",
                "visit_photos",
                "visit_visitors",
                "visits",
                "photos",
            ],
        )
        .await
    }
}
