//! `changxiao`: thin main. Parse the command line, load settings, start telemetry, hand over.

use std::process::ExitCode;

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
