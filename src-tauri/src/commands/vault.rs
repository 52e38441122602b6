//! Create, unlock, lock, wipe and re-key the vault.

use serde::Serialize;
use tauri::State;

use saksi_core::vault::{self, OpenMode, Vault};

use crate::error::{CmdError, CmdResult};
use crate::fresh_page;
use crate::secret;
use crate::state::AppState;

/// The words the UI sends once the person has typed the confirmation of a panic wipe.
pub const WIPE_CONFIRMATION: &str = "WIPE";

#[derive(Debug, Serialize)]
pub struct VaultStatus {
    pub exists: bool,
    pub unlocked: bool,
    /// Minimum length of a new passphrase, so the UI and the shell agree.
    pub min_passphrase_chars: usize,
    /// The open vault was opened read-only (for review): every write is refused by the core.
    pub read_only: bool,
    /// The open vault is in review mode: records and evidence cannot be changed, only annotated.
    pub review_mode: bool,
    /// The language remembered for the screens before unlock (`en`, `km`, `fr`), if any; else
    /// the UI follows the system locale.
    pub language: Option<&'static str>,
    /// Swap areas of this computer on a disk without encryption (`saksi_core::swap`): what the
    /// window shows can be written there and stay after lock. The screens warn while any is.
    pub unencrypted_swap: Vec<String>,
}

#[tauri::command(async)]
pub fn vault_status(state: State<'_, AppState>) -> CmdResult<VaultStatus> {
    let exists = state.dir.as_deref().is_some_and(Vault::exists);
    // One lock of the slot for both answers (a second lock in the same statement would wait
    // for the first forever).
    let slot = state.slot();
    Ok(VaultStatus {
        exists,
        unlocked: slot.is_some(),
        min_passphrase_chars: secret::MIN_NEW_CHARS,
        read_only: slot
            .as_ref()
            .is_some_and(|v| v.mode() == OpenMode::ReadOnly),
        review_mode: slot
            .as_ref()
            .is_some_and(|v| v.review_mode().unwrap_or(false)),
        language: state.dir.as_deref().and_then(vault::language::remembered),
        unencrypted_swap: saksi_core::swap::unencrypted_areas(),
    })
}

// Every command is `async`: it runs off the main thread, so the window stays responsive while
// Argon2id runs (up to a second or more) and the UI shows "deriving key…".

/// Creates the vault and, with `recovery_key`, its recovery key in the same core operation.
/// Answers the key to show once, or nothing when the person chose to go without one.
#[tauri::command(async)]
pub fn vault_create(
    state: State<'_, AppState>,
    passphrase: String,
    recovery_key: Option<bool>,
) -> CmdResult<Option<super::lifecycle::NewRecoveryKey>> {
    let passphrase = secret::take_new(passphrase)?;
    let dir = state.dir()?;
    let mut slot = state.slot();
    if slot.is_some() || Vault::exists(dir) {
        return Err(CmdError::new("vault_exists", "a vault already exists here"));
    }
    if recovery_key == Some(true) {
        let (v, key) = Vault::create_with_recovery_key(dir, &passphrase, state.kdf)?;
        *slot = Some(v);
        return Ok(Some(key.into()));
    }
    *slot = Some(Vault::create(dir, &passphrase, state.kdf)?);
    Ok(None)
}

#[tauri::command(async)]
/// Unlocks the vault; with `read_only`, for review: nothing on disk changes and every write is
/// refused by the core (kind "vault_read_only").
pub fn vault_unlock(
    state: State<'_, AppState>,
    passphrase: String,
    read_only: Option<bool>,
) -> CmdResult<()> {
    let passphrase = secret::take(passphrase)?;
    let dir = state.dir()?;
    let mut slot = state.slot();
    // Even when already unlocked, the passphrase is checked again: unlocking never succeeds
    // without the right one.
    if let Some(open) = slot.take() {
        open.lock()?;
    }
    let mode = if read_only == Some(true) {
        OpenMode::ReadOnly
    } else {
        OpenMode::ReadWrite
    };
    *slot = Some(Vault::open_in(dir, &passphrase, mode)?);
    Ok(())
}

/// What a lock or a wipe answers: whether the page is about to be replaced by a fresh one in a
/// new web process (see [`crate::fresh_page`]); the UI then waits for it.
#[derive(Debug, Serialize)]
pub struct PageRestart {
    pub restarting: bool,
}

/// Locks the vault, then ends the web process that showed it and starts the page afresh, telling
/// it `notice` (default: locked by the user).
#[tauri::command(async)]
pub fn vault_lock(
    state: State<'_, AppState>,
    window: tauri::WebviewWindow,
    notice: Option<fresh_page::Notice>,
) -> CmdResult<PageRestart> {
    let notice = state.lock_telling(notice.unwrap_or(fresh_page::Notice::Locked))?;
    let restarting = fresh_page::restart(&window, notice);
    Ok(PageRestart { restarting })
}

/// Panic wipe (crypto-erase). Refused while locked, and unless `confirm` is exactly
/// [`WIPE_CONFIRMATION`], so that no single stray call destroys the vault.
#[tauri::command(async)]
pub fn vault_wipe(
    state: State<'_, AppState>,
    window: tauri::WebviewWindow,
    confirm: String,
) -> CmdResult<PageRestart> {
    if state.slot().is_none() {
        return Err(CmdError::locked());
    }
    if confirm != WIPE_CONFIRMATION {
        return Err(CmdError::new(
            "confirmation_required",
            "the wipe was not confirmed",
        ));
    }
    let dir = state.dir()?.to_path_buf();
    // Keys first: even if the erase fails half-way, nothing stays unlocked.
    drop(state.slot().take());
    vault::wipe(&dir)?;
    state.mark_wiped();
    let restarting = fresh_page::restart(&window, fresh_page::Notice::Wiped);
    Ok(PageRestart { restarting })
}

/// Re-wraps the master key under a new passphrase. The current passphrase is checked first
/// (`Vault::check_passphrase`, which changes nothing), so an unattended unlocked laptop is not
/// enough to change it; a wrong current passphrase is a clear error and the vault stays as it was.
#[tauri::command(async)]
pub fn change_passphrase(
    state: State<'_, AppState>,
    current: String,
    new: String,
) -> CmdResult<()> {
    let current = secret::take(current)?;
    let new = secret::take_new(new)?;
    state.with_vault(|v| {
        v.check_passphrase(&current)?;
        v.change_passphrase(&new, state.kdf)
    })
}

/// Checks the whole vault (database pages, schema, custody chain and signatures, every
/// attachment's SHA-256) as a job: progress per attachment, cancellable; it changes nothing.
#[tauri::command(async)]
pub fn vault_verify(
    state: State<'_, AppState>,
    jobs: State<'_, crate::jobs::Jobs>,
    job: String,
    on_progress: tauri::ipc::Channel<crate::jobs::ProgressMsg>,
) -> CmdResult<saksi_core::verify::VerifyReport> {
    jobs.run(&job, on_progress, |r| {
        state.with_vault(|v| v.verify_with(r))
    })
}
