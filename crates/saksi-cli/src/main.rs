//! `saksi`: the command line over saksi-core, for monitors who prefer a terminal and for HQ
//! scripts. `cli` holds the command line's shape, `commands/` the work (each command parses its
//! input, calls one core function inside `with_vault` and prints the result), `output` every
//! printed line. Any failure is one line on stderr and exit status 1; a closed standard output
//! (`saksi log | head -1`) ends quietly with status 0.

mod cli;
mod commands;
mod input;
mod output;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use commands::{annotation, bundle, evidence, history, records, recovery, vault, Ctx};

/// Freed memory is wiped: records, file bytes and keys copied on the heap do not outlive their use
/// (docs/security-testing.md, memory after lock).
#[global_allocator]
static ALLOC: saksi_core::process::WipeOnFree = saksi_core::process::WipeOnFree::SYSTEM;

fn main() -> ExitCode {
    if let Err(e) = saksi_core::process::harden() {
        output::note("error", &format!("cannot disable core dumps: {e}"));
        return ExitCode::FAILURE;
    }
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader has gone (`| head -1`): what it wanted was shown; nothing to report.
        Err(e) if e.downcast_ref::<output::Closed>().is_some() => ExitCode::SUCCESS,
        Err(e) => {
            // One line: scripts read it, people act on it.
            output::note("error", &output::error_line(&e));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    let ctx = Ctx::new(cli);
    let ctx = &ctx;
    match &cli.command {
        Command::Init {
            device_name,
            recovery_key,
            json,
        } => vault::init(ctx, device_name.as_deref(), *recovery_key, *json),
        Command::Incident(c) => records::incident(ctx, c),
        Command::Person(c) => records::person(ctx, c),
        Command::Testimony(c) => records::testimony(ctx, c),
        Command::Proceeding(c) => records::proceeding(ctx, c),
        Command::Intervention(c) => records::intervention(ctx, c),
        Command::Search(a) => records::search(ctx, a),
        Command::Vocab { name, json } => records::vocab(ctx, name, *json),
        Command::Report(c) => commands::report::run(ctx, c),
        Command::Device { sub: Some(c), .. } => bundle::device(ctx, c),
        Command::Device { json, sub: None } => vault::device(ctx, *json),
        Command::Passwd {
            new_passphrase_file,
        } => vault::passwd(ctx, new_passphrase_file.as_deref()),
        Command::Wipe { yes } => vault::wipe(ctx, *yes),
        Command::Verify { json } => vault::verify(ctx, *json),
        Command::Attach {
            record_id,
            files,
            json,
        } => evidence::attach(ctx, record_id, files, *json),
        Command::Evidence(c) => evidence::run(ctx, c),
        Command::Log { json } => vault::log(ctx, *json),
        Command::Bundle(c) => bundle::run(ctx, c),
        Command::Recovery(c) => recovery::run(ctx, c),
        Command::Duress(c) => commands::duress::run(ctx, c),
        Command::UnlockRecovery {
            recovery_key_file,
            new_passphrase_file,
        } => recovery::unlock(
            ctx,
            recovery_key_file.as_deref(),
            new_passphrase_file.as_deref(),
        ),
        Command::Backup {
            out,
            to_recovery_key,
            backup_secret_file,
            json,
        } => recovery::backup(
            ctx,
            out,
            *to_recovery_key,
            backup_secret_file.as_deref(),
            *json,
        ),
        Command::Restore {
            file,
            to,
            backup_secret_file,
            new_device,
            json,
        } => recovery::restore(
            ctx,
            file,
            to,
            backup_secret_file.as_deref(),
            *new_device,
            *json,
        ),
        Command::History { id, json } => history::history(ctx, id, *json),
        // Case files (issue 11).
        Command::Case(c) => commands::case::run(ctx, c),
        // Annotations and review mode (issue 11).
        Command::Annotate(a) => annotation::annotate(ctx, a),
        Command::Annotations { id, json } => annotation::list(ctx, id, *json),
        Command::ReviewMode { state, json } => {
            annotation::review_mode(ctx, state.as_deref(), *json)
        }
        Command::VocabAdd(a) => annotation::vocab_add(ctx, a),
        // Deletions (issue 13).
        Command::Deletions { json, sub } => commands::deletion::run(ctx, sub.as_ref(), *json),
        Command::Passphrase(cli::PassphraseCmd::Suggest { json }) => {
            vault::suggest_passphrase(*json)
        }
    }
}
