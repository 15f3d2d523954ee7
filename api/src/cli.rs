//! The command line: `serve [--demo]`, `migrate`, `openapi`, `gen`, `create-user`.

use sea_orm::{EntityTrait, PaginatorTrait};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use domain::org::{Role, ScopeKind};

use crate::clock::Clock;
use crate::settings::Settings;
use crate::startup::{Application, open_database};
use crate::store::{org, users};

#[derive(Parser)]
#[command(name = "changxiao", version, about = "长效 — the township long-term mechanism service")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations, then serve.
    Serve {
        /// Seed a demo town into an empty database and print the demo logins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the OpenAPI contract (JSON).
    Openapi,
    /// Fill an empty database with a generated district for benchmarks (deterministic from the seed).
    Gen {
        #[arg(long, default_value_t = 100_000)]
        households: usize,
        #[arg(long, default_value_t = 12)]
        months: u32,
        #[arg(long, default_value_t = 20)]
        towns: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Create a user with a town-wide role, creating the town if it does not exist yet.
    CreateUser {
        #[arg(long)]
        town: String,
        /// The district of a new town.
        #[arg(long)]
        district: Option<String>,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Read from the environment so it stays out of shell history.
        #[arg(long, env = "CHANGXIAO_NEW_PASSWORD", hide_env_values = true)]
        password: String,
        /// A town-scoped role: admin, rro_staff, leader, deputy_mayor, discipline or call_taker.
        #[arg(long, default_value = "admin")]
        role: String,
    },
}

pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Openapi => {
            print!("{}", crate::openapi::spec_json()?);
            Ok(())
        }
        Command::Gen { households, months, towns, seed } => {
            let settings = Settings::from_env()?;
            let db = open_database(&settings).await?;
            if crate::store::entity::town::Entity::find().count(&db).await? > 0 {
                bail!("the database is not empty; gen fills an empty one");
            }
            let cipher = crate::crypto::FieldCipher::from_base64(crate::settings::expose(&settings.field_key))?;
            let plan = crate::generator::Plan { households, months, towns: towns.max(1), seed };
            let storage = crate::storage::Storage::from_settings(&settings)?;
            crate::generator::generate(&db, &storage, &cipher, chrono::Utc::now(), &plan).await
        }
        Command::Migrate => {
            let settings = Settings::from_env()?;
            open_database(&settings).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Serve { demo } => serve(demo).await,
        Command::CreateUser { town, district, username, display_name, password, role } => {
            let role: Role = role.parse().map_err(|()| anyhow::anyhow!("unknown role {role:?}"))?;
            if !role.allowed_scopes().contains(&ScopeKind::Town) {
                bail!("{role} is not a town-wide role; grant it through the API");
            }
            if password.chars().count() < 10 {
                bail!("the password needs at least 10 characters");
            }
            let settings = Settings::from_env()?;
            let db = open_database(&settings).await?;
            let now = chrono::Utc::now();
            let town = match org::town_by_name(&db, &town).await? {
                Some(t) => t,
                None => {
                    let district = match district {
                        Some(d) => Some(org::find_or_create_district(&db, &d, now).await?.id),
                        None => None,
                    };
                    org::create_town(&db, district, &town, &uuid::Uuid::now_v7().simple().to_string(), now).await?
                }
            };
            let hash = crate::auth::password::hash_blocking(&password)?;
            let display = display_name.unwrap_or_else(|| username.clone());
            let user = users::create(&db, Some(town.id), &username, &display, Some(hash), now)
                .await
                .context("cannot create the user")?;
            users::grant(&db, user.id, role, ScopeKind::Town, town.id, now).await?;
            println!("created {} ({role}) in {}", user.username, town.name);
            Ok(())
        }
    }
}

async fn serve(demo: bool) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let clock = Clock::system();
    if demo {
        let db = open_database(&settings).await?;
        let cipher = crate::crypto::FieldCipher::from_base64(crate::settings::expose(&settings.field_key))?;
        let now = clock.now();
        let seeded = crate::demo::seed_if_empty(&db, &cipher, now, crate::demo::DEFAULT_HOUSEHOLDS_PER_VILLAGE).await?;
        match seeded {
            Some(town) => {
                db.close().await?;
                println!("Seeded the demo town 蔡家镇; making its history since {}…", crate::demo_history::start(now));
                match crate::demo_history::make(&settings, town, now).await {
                    Ok(steps) => println!("The demo town has a quarter and more of work behind it ({steps} steps)."),
                    // The town stands without it: say so, and serve.
                    Err(e) => eprintln!("The demo history stopped early: {e:#}"),
                }
            }
            None => {
                db.close().await?;
                println!("The database already has data; the demo town was not seeded again.");
            }
        }
        print!("{}", crate::demo::logins_text());
    }
    let app = Application::build(settings.clone(), clock).await?;
    let base = format!("http://{}:{}", settings.listen.ip(), app.port());
    println!("Changxiao is serving on {base} — office console at {base}/console/, API docs at {base}/docs/");
    app.run_until(shutdown_signal()).await?;
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
