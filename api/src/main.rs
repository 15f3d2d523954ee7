//! `changxiao`: thin main. Parse the command line, load settings, start telemetry, hand over.

use std::process::ExitCode;

/// mimalloc: a quarter's coverage allocates per row read, and glibc's allocator spent a sixth of
/// the request consolidating and locking (perf, `bench/RESULTS.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    changxiao::telemetry::init();
    match changxiao::cli::run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
