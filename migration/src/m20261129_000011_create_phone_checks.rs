//! Phone spot-checks (电话抽查): questionnaires and their versions, monthly call lists, cases,
//! attempts, and answers that contradict the records (flags). Problems raised by a call keep the
//! attempt they came from.

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
                    .table("questionnaires")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(string("name"))
                    .col(uuid("created_by"))
                    .col(created_at())
                    .foreign_key(&mut fk("questionnaires", "town_id", "towns"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("questionnaire_versions")
                    .col(id())
                    .col(uuid("questionnaire_id"))
                    .col(integer("version"))
                    .col(string("status"))
                    .col(text("questions"))
                    .col(timestamp_with_time_zone_null("published_at"))
                    .col(created_at())
                    .foreign_key(&mut fk("questionnaire_versions", "questionnaire_id", "questionnaires"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("questionnaire_versions", &["questionnaire_id", "version"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("call_lists")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(uuid("village_id"))
                    .col(string("month"))
                    .col(uuid("version_id"))
                    .col(double_null("sample_rate"))
                    .col(big_integer("seed"))
                    .col(uuid("created_by"))
                    .col(created_at())
                    .foreign_key(&mut fk("call_lists", "village_id", "villages"))
                    .foreign_key(&mut fk("call_lists", "version_id", "questionnaire_versions"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("call_lists", &["village_id", "month"])).await?;
        manager.create_index(index("call_lists", &["town_id", "month"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("call_cases")
                    .col(id())
                    .col(uuid("list_id"))
                    .col(uuid("town_id"))
                    .col(uuid("village_id"))
                    .col(uuid("household_id"))
                    .col(uuid_null("assignee_id"))
                    .col(string("status"))
                    .col(string_null("last_outcome"))
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone_null("due_at"))
                    .col(boolean("callback"))
                    .col(uuid_null("held_by"))
                    .col(timestamp_with_time_zone_null("held_until"))
                    .col(boolean_null("satisfied"))
                    .col(integer("problems"))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .foreign_key(&mut fk("call_cases", "list_id", "call_lists"))
                    .foreign_key(&mut fk("call_cases", "household_id", "households"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("call_cases", &["list_id", "household_id"])).await?;
        manager.create_index(index("call_cases", &["assignee_id", "status"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("call_attempts")
                    .col(id())
                    .col(uuid("case_id"))
                    .col(uuid("client_id"))
                    .col(uuid("caller_id"))
                    .col(timestamp_with_time_zone("called_at"))
                    .col(string("outcome"))
                    .col(string("aapor_code"))
                    .col(timestamp_with_time_zone_null("callback_at"))
                    .col(text_null("answers"))
                    .col(uuid_null("version_id"))
                    .col(text("note"))
                    .col(created_at())
                    .foreign_key(&mut fk("call_attempts", "case_id", "call_cases"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("call_attempts", &["client_id"])).await?;
        manager.create_index(index("call_attempts", &["case_id", "called_at"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("call_flags")
                    .col(id())
                    .col(uuid("case_id"))
                    .col(uuid("attempt_id"))
                    .col(uuid("town_id"))
                    .col(uuid("village_id"))
                    .col(uuid("household_id"))
                    .col(string("kind"))
                    .col(string("question"))
                    .col(text("message"))
                    .col(string("status"))
                    .col(uuid_null("problem_id"))
                    .col(uuid_null("reviewed_by"))
                    .col(timestamp_with_time_zone_null("reviewed_at"))
                    .col(created_at())
                    .foreign_key(&mut fk("call_flags", "attempt_id", "call_attempts"))
                    .take(),
            )
            .await?;
        manager.create_index(index("call_flags", &["town_id", "status"])).await?;
        manager.alter_table(Table::alter().table("problems").add_column(uuid_null("call_attempt_id")).take()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("problems").drop_column("call_attempt_id").take()).await?;
        drop_tables(
            manager,
            &["call_flags", "call_attempts", "call_cases", "call_lists", "questionnaire_versions", "questionnaires"],
        )
        .await
    }
}
