//! Each user's uploads per local day, counted in the database so every instance sees one count.

use chrono::NaiveDate;
use domain::uploads::Used;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

/// Counts one more file of `bytes` against the user's day and answers the day's totals, this file
/// included. One statement, so two uploads at once cannot both read the old count.
pub async fn count<C: ConnectionTrait>(db: &C, user: Uuid, day: NaiveDate, bytes: u64) -> Result<Used, DbErr> {
    let table = Alias::new("upload_days");
    let (files_col, bytes_col) = (Alias::new("files"), Alias::new("bytes"));
    let added = i64::try_from(bytes).unwrap_or(i64::MAX);
    let stmt = Query::insert()
        .into_table(table.clone())
        .columns([Alias::new("user_id"), Alias::new("day"), files_col.clone(), bytes_col.clone()])
        .values_panic([user.into(), day.into(), 1i64.into(), added.into()])
        .on_conflict(
            OnConflict::columns([Alias::new("user_id"), Alias::new("day")])
                .values([
                    (files_col.clone(), Expr::col((table.clone(), files_col.clone())).add(1i64)),
                    (bytes_col.clone(), Expr::col((table, bytes_col.clone())).add(added)),
                ])
                .to_owned(),
        )
        .returning(Query::returning().columns([files_col, bytes_col]))
        .to_owned();
    let row = db.query_one(&stmt).await?.ok_or_else(|| DbErr::Custom("the upload count returned no row".into()))?;
    let files: i64 = row.try_get("", "files")?;
    let bytes: i64 = row.try_get("", "bytes")?;
    Ok(Used { files: u64::try_from(files).unwrap_or(0), bytes: u64::try_from(bytes).unwrap_or(0) })
}

/// Forgets the days before `day` (the quota only ever reads today).
pub async fn purge_before<C: ConnectionTrait>(db: &C, day: NaiveDate) -> Result<u64, DbErr> {
    let stmt = Query::delete()
        .from_table(Alias::new("upload_days"))
        .and_where(Expr::col(Alias::new("day")).lt(day))
        .to_owned();
    Ok(db.execute(&stmt).await?.rows_affected())
}
