//! Households with encrypted ID numbers and phones, their tags, cadre links and change history.

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
                    .table("households")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(uuid("village_id"))
                    .col(uuid_null("group_id"))
                    .col(string("head_name"))
                    .col(text("id_number_enc"))
                    .col(string("id_number_hash"))
                    .col(string("id_number_masked"))
                    .col(text("phones_enc"))
                    .col(text("phones_masked"))
                    .col(string("address"))
                    .col(double_null("latitude"))
                    .col(double_null("longitude"))
                    .col(string_null("datum"))
                    .col(integer("member_count"))
                    .col(string_null("risk_status"))
                    .col(date_null("risk_eliminated_on"))
                    .col(text("notes"))
                    .col(integer("version"))
                    .col(created_at())
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("households", "town_id", "towns"))
                    .foreign_key(&mut fk("households", "village_id", "villages"))
                    .foreign_key(&mut fk("households", "group_id", "village_groups"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("households", &["town_id", "id_number_hash"])).await?;
        manager.create_index(index("households", &["village_id", "head_name"])).await?;
        manager.create_index(index("households", &["group_id"])).await?;
        manager.create_index(index("households", &["town_id", "head_name"])).await?;
        manager.create_index(index("households", &["town_id", "risk_status"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("household_tags")
                    .col(uuid("household_id"))
                    .col(string("tag"))
                    .primary_key(Index::create().col("household_id").col("tag"))
                    .foreign_key(&mut fk("household_tags", "household_id", "households"))
                    .take(),
            )
            .await?;
        manager.create_index(index("household_tags", &["tag", "household_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("household_cadres")
                    .col(uuid("household_id"))
                    .col(uuid("user_id"))
                    .primary_key(Index::create().col("household_id").col("user_id"))
                    .foreign_key(&mut fk("household_cadres", "household_id", "households"))
                    .foreign_key(&mut fk("household_cadres", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(index("household_cadres", &["user_id", "household_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("household_changes")
                    .col(id())
                    .col(uuid("household_id"))
                    .col(uuid_null("actor_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(text("changes"))
                    .foreign_key(&mut fk("household_changes", "household_id", "households"))
                    .take(),
            )
            .await?;
        manager.create_index(index("household_changes", &["household_id", "at"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["household_changes", "household_cadres", "household_tags", "households"]).await
    }
}
