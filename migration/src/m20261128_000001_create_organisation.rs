//! Districts, towns (the tenant), villages, groups (社), work teams, departments, users and role grants.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{created_at, drop_tables, fk, id, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(Table::create().table("districts").col(id()).col(string("name")).col(created_at()).take())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("towns")
                    .col(id())
                    .col(uuid_null("district_id"))
                    .col(string("name"))
                    .col(string_uniq("code"))
                    .col(created_at())
                    .foreign_key(&mut fk("towns", "district_id", "districts"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("villages")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(string("name"))
                    .col(string("kind"))
                    .col(created_at())
                    .foreign_key(&mut fk("villages", "town_id", "towns"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("villages", &["town_id", "name"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("village_groups")
                    .col(id())
                    .col(uuid("village_id"))
                    .col(string("name"))
                    .col(created_at())
                    .foreign_key(&mut fk("village_groups", "village_id", "villages"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("village_groups", &["village_id", "name"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("work_teams")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(uuid("village_id"))
                    .col(string("name"))
                    .col(created_at())
                    .foreign_key(&mut fk("work_teams", "town_id", "towns"))
                    .foreign_key(&mut fk("work_teams", "village_id", "villages"))
                    .take(),
            )
            .await?;
        manager.create_index(index("work_teams", &["village_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("departments")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(string("name"))
                    .col(created_at())
                    .foreign_key(&mut fk("departments", "town_id", "towns"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("departments", &["town_id", "name"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(id())
                    .col(uuid_null("town_id"))
                    .col(string_uniq("username"))
                    .col(string("display_name"))
                    .col(string_null("password_hash"))
                    .col(boolean("active"))
                    .col(created_at())
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("users", "town_id", "towns"))
                    .take(),
            )
            .await?;
        manager.create_index(index("users", &["town_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("role_grants")
                    .col(id())
                    .col(uuid("user_id"))
                    .col(string("role"))
                    .col(string("scope_kind"))
                    .col(uuid("scope_id"))
                    .col(created_at())
                    .foreign_key(&mut fk("role_grants", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("role_grants", &["user_id", "role", "scope_kind", "scope_id"])).await?;
        manager.create_index(index("role_grants", &["scope_id", "role"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("group_assignments")
                    .col(id())
                    .col(uuid("user_id"))
                    .col(uuid("group_id"))
                    .col(created_at())
                    .foreign_key(&mut fk("group_assignments", "user_id", "users"))
                    .foreign_key(&mut fk("group_assignments", "group_id", "village_groups"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("group_assignments", &["user_id", "group_id"])).await?;
        manager.create_index(index("group_assignments", &["group_id"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &[
                "group_assignments",
                "role_grants",
                "users",
                "departments",
                "work_teams",
                "village_groups",
                "villages",
                "towns",
                "districts",
            ],
        )
        .await
    }
}
