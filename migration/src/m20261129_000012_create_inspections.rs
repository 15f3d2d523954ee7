//! Leaders' unannounced visits (暗访), admonishment talks (约谈), must-know knowledge (应知应会)
//! versions, interviews (访谈) with their results, and circulars (通报).

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
                    .table("unannounced_visits")
                    .col(id())
                    .col(uuid("client_id"))
                    .col(uuid("town_id"))
                    .col(uuid("village_id"))
                    .col(uuid("leader_id"))
                    .col(timestamp_with_time_zone("visited_at"))
                    .col(double_null("latitude"))
                    .col(double_null("longitude"))
                    .col(text("household_ids"))
                    .col(text("photo_ids"))
                    .col(text("policies"))
                    .col(text("rectification"))
                    .col(integer_null("satisfaction"))
                    .col(text("notes"))
                    .col(created_at())
                    .foreign_key(&mut fk("unannounced_visits", "village_id", "villages"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("unannounced_visits", &["client_id"])).await?;
        manager.create_index(index("unannounced_visits", &["town_id", "visited_at"])).await?;
        manager
            .alter_table(Table::alter().table("problems").add_column(uuid_null("unannounced_visit_id")).take())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("admonishments")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(uuid("village_id"))
                    .col(string("period"))
                    .col(timestamp_with_time_zone("held_at"))
                    .col(uuid("leader_id"))
                    .col(text("attendees"))
                    .col(text("points"))
                    .col(text("follow_up"))
                    .col(created_at())
                    .foreign_key(&mut fk("admonishments", "village_id", "villages"))
                    .take(),
            )
            .await?;
        manager.create_index(index("admonishments", &["town_id", "period"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("must_know_versions")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(string("owner_kind"))
                    .col(uuid("owner_id"))
                    .col(string("month"))
                    .col(integer("version"))
                    .col(text("items"))
                    .col(uuid("submitted_by"))
                    .col(timestamp_with_time_zone("submitted_at"))
                    .col(boolean("late"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("must_know_versions", &["owner_kind", "owner_id", "version"])).await?;
        manager.create_index(index("must_know_versions", &["town_id", "month"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("interviews")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(uuid("village_id"))
                    .col(string("month"))
                    .col(date("held_on"))
                    .col(uuid("interviewer_id"))
                    .col(text("questions"))
                    .col(big_integer("seed"))
                    .col(created_at())
                    .foreign_key(&mut fk("interviews", "village_id", "villages"))
                    .take(),
            )
            .await?;
        manager.create_index(index("interviews", &["town_id", "month"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("interview_results")
                    .col(id())
                    .col(uuid("interview_id"))
                    .col(uuid_null("user_id"))
                    .col(string("person_name"))
                    .col(string("role"))
                    .col(text("answers"))
                    .col(double("score"))
                    .col(boolean("knows_village"))
                    .col(boolean("knows_policies"))
                    .col(boolean("named"))
                    .col(text("reasons"))
                    .foreign_key(&mut fk("interview_results", "interview_id", "interviews"))
                    .take(),
            )
            .await?;
        manager.create_index(index("interview_results", &["interview_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("circulars")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(string("month"))
                    .col(string("title"))
                    .col(text("body"))
                    .col(text("entries"))
                    .col(string("status"))
                    .col(uuid("drafted_by"))
                    .col(uuid_null("reviewed_by"))
                    .col(timestamp_with_time_zone_null("reviewed_at"))
                    .col(uuid_null("issued_by"))
                    .col(timestamp_with_time_zone_null("issued_at"))
                    .col(created_at())
                    .take(),
            )
            .await?;
        manager.create_index(index("circulars", &["town_id", "month"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("problems").drop_column("unannounced_visit_id").take()).await?;
        drop_tables(
            manager,
            &[
                "circulars",
                "interview_results",
                "interviews",
                "must_know_versions",
                "admonishments",
                "unannounced_visits",
            ],
        )
        .await
    }
}
