//! `tuphap exchange …`: the exchange platform's operator commands. The message-log commands
//! (`verify`, `proof`, `verify-proof`) are in `exchange_log_cli.rs`; the outbox commands
//! (subscriptions, dead letters, requeue, stats) in `exchange_outbox_cli.rs`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use crate::GlobalArgs;

#[derive(Subcommand, Debug)]
pub enum ExchangeCommand {
    #[command(flatten)]
    Log(crate::exchange_log_cli::LogCommand),
    #[command(flatten)]
    Outbox(crate::exchange_outbox_cli::OutboxCommand),
}

pub async fn run(g: &GlobalArgs, command: ExchangeCommand) -> Result<ExitCode> {
    match command {
        ExchangeCommand::Log(c) => crate::exchange_log_cli::run(g, c).await,
        ExchangeCommand::Outbox(c) => crate::exchange_outbox_cli::run(g, c).await,
    }
}
