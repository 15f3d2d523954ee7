//! Schema migrations, append-only: a released migration is never edited, only followed.
//! Every migration has a real `down`; a test runs up → down → up on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_organisation;
mod m20261128_000002_create_sign_in;
mod m20261128_000003_create_households;
mod m20261128_000004_create_audit_and_idempotency;
mod m20261128_000005_create_visits_and_photos;
mod m20261128_000006_create_feedback_lists;
mod m20261128_000007_create_screenings;
mod m20261128_000008_create_supervisions;
mod m20261128_000009_create_notifications;
mod m20261129_000010_create_wechat_delivery;
mod m20261129_000011_create_phone_checks;
mod m20261129_000012_create_inspections;
mod m20261129_000013_create_meetings_and_archives;
mod m20261129_000014_create_photo_bands;
mod m20261129_000015_index_visits_by_time;
mod m20261129_000016_covering_indexes_for_coverage;
mod m20261129_000017_visitor_timeline;
mod m20261130_000018_coverage_change_stamps;
mod m20261130_000019_scope_columns_indexed;
mod m20261130_000020_visit_photo_households;
mod m20261130_000021_photo_band_hashes;
mod m20261205_000022_upload_days;
mod m20261205_000023_list_comments;
mod m20261205_000024_department_duties;
mod m20261205_000025_round_cancellation;
mod m20261205_000026_town_live_from;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_organisation::Migration),
            Box::new(m20261128_000002_create_sign_in::Migration),
            Box::new(m20261128_000003_create_households::Migration),
            Box::new(m20261128_000004_create_audit_and_idempotency::Migration),
            Box::new(m20261128_000005_create_visits_and_photos::Migration),
            Box::new(m20261128_000006_create_feedback_lists::Migration),
            Box::new(m20261128_000007_create_screenings::Migration),
            Box::new(m20261128_000008_create_supervisions::Migration),
            Box::new(m20261128_000009_create_notifications::Migration),
            Box::new(m20261129_000010_create_wechat_delivery::Migration),
            Box::new(m20261129_000011_create_phone_checks::Migration),
            Box::new(m20261129_000012_create_inspections::Migration),
            Box::new(m20261129_000013_create_meetings_and_archives::Migration),
            Box::new(m20261129_000014_create_photo_bands::Migration),
            Box::new(m20261129_000015_index_visits_by_time::Migration),
            Box::new(m20261129_000016_covering_indexes_for_coverage::Migration),
            Box::new(m20261129_000017_visitor_timeline::Migration),
            Box::new(m20261130_000018_coverage_change_stamps::Migration),
            Box::new(m20261130_000019_scope_columns_indexed::Migration),
            Box::new(m20261130_000020_visit_photo_households::Migration),
            Box::new(m20261130_000021_photo_band_hashes::Migration),
            Box::new(m20261205_000022_upload_days::Migration),
            Box::new(m20261205_000023_list_comments::Migration),
            Box::new(m20261205_000024_department_duties::Migration),
            Box::new(m20261205_000025_round_cancellation::Migration),
            Box::new(m20261205_000026_town_live_from::Migration),
        ]
    }
}

/// Small helpers shared by the migrations.
pub(crate) mod util {
    use sea_orm_migration::prelude::*;
    use sea_orm_migration::schema::*;

    pub fn id() -> ColumnDef {
        uuid("id").primary_key().take()
    }

    pub fn created_at() -> ColumnDef {
        timestamp_with_time_zone("created_at")
    }

    pub fn fk(table: &'static str, col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
        ForeignKey::create()
            .name(format!("fk_{table}_{col}"))
            .from(table, col)
            .to(to, "id")
            .on_delete(ForeignKeyAction::Restrict)
            .take()
    }

    fn index_name(table: &str, cols: &[&str]) -> String {
        format!("idx_{table}_{}", cols.join("_"))
    }

    pub fn index(table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
        let mut idx = Index::create().name(index_name(table, cols)).table(table).take();
        for c in cols {
            idx.col(*c);
        }
        idx
    }

    /// Plain indexes, each on (table, columns), named as `index` names them.
    pub type Indexes<'a> = &'a [(&'static str, &'a [&'static str])];

    pub async fn create_indexes(manager: &SchemaManager<'_>, indexes: Indexes<'_>) -> Result<(), DbErr> {
        for (table, cols) in indexes {
            manager.create_index(index(table, cols)).await?;
        }
        Ok(())
    }

    pub async fn drop_indexes(manager: &SchemaManager<'_>, indexes: Indexes<'_>) -> Result<(), DbErr> {
        for (table, cols) in indexes {
            manager.drop_index(Index::drop().name(index_name(table, cols)).table(*table).to_owned()).await?;
        }
        Ok(())
    }

    pub fn unique(table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
        let mut idx = index(table, cols);
        idx.name(format!("uq_{table}_{}", cols.join("_"))).unique();
        idx
    }

    pub async fn drop_tables(manager: &SchemaManager<'_>, tables: &[&'static str]) -> Result<(), DbErr> {
        for t in tables {
            manager.drop_table(Table::drop().table(*t).if_exists().take()).await?;
        }
        Ok(())
    }
}
