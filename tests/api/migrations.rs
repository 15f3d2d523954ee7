//! Every migration runs up, down and up again on the test database.

use migration::{Migrator, MigratorTrait};
use sea_orm::Database;

use crate::helpers::spawn_app;

#[tokio::test]
async fn migrations_run_up_down_and_up_again() {
    let app = spawn_app().await;
    let db = Database::connect(&app.database_url).await.unwrap();
    // The app already applied them all; take them down (dropping the seeded data) and up again.
    Migrator::down(&db, None).await.unwrap();
    assert!(Migrator::get_applied_migrations(&db).await.unwrap().is_empty());
    Migrator::up(&db, None).await.unwrap();
    assert_eq!(Migrator::get_applied_migrations(&db).await.unwrap().len(), Migrator::migrations().len());
}
