//! Saksi desktop: a thin Tauri shell over `saksi-core`.
//!
//! The window shows the Svelte front end from `ui/dist` (embedded at compile time). It talks to
//! this process only through the commands in [`commands`], each allowed one by one in
//! `capabilities/main.json`. The webview is incognito (nothing written to disk), may only show the
//! app's own pages, and the vault is locked when the app exits.
//!
//! The window is declared in `tauri.conf.json` (label "main", `"incognito": true`) but created in
//! [`create_main_window`], which points WebKit's leftover writes at a scratch folder removed on
//! exit, and lets a debug build started by tauri-driver use a (throw-away) non-ephemeral profile,
//! since WebKitWebDriver cannot attach to an incognito context.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod dialogs;
mod error;
mod fresh_page;
mod jobs;
mod recorder;
mod scheme;
mod secret;
mod state;

use std::path::PathBuf;

use tauri::{App, Manager, RunEvent};

use state::AppState;

/// Only the app's own origin may be shown: any link or script that tries to navigate the window
/// elsewhere (`javascript:` URLs, http links in user text) is refused.
fn is_app_url(url: &tauri::Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    }
}

/// A private, throw-away folder for what WebKitGTK writes even for an incognito webview (salts,
/// an empty HSTS database of the unused default context): kept out of the per-user data folder
/// and removed on exit. Under `XDG_RUNTIME_DIR` (a per-user tmpfs) when there is one.
struct WebviewScratch(PathBuf);

fn webview_scratch_dir() -> PathBuf {
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .unwrap_or_else(std::env::temp_dir);
    remove_stale_scratch(&base);
    base.join(format!("{SCRATCH_PREFIX}{}", std::process::id()))
}

const SCRATCH_PREFIX: &str = "saksi-webview-";

/// A killed app cannot clean up after itself: remove the scratch folders of processes that are
/// gone.
fn remove_stale_scratch(base: &std::path::Path) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix(SCRATCH_PREFIX))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
            if pid != std::process::id() && !alive {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// Debug builds launched by tauri-driver (which sets `TAURI_WEBVIEW_AUTOMATION=true`) need a
/// non-ephemeral web context for WebKitWebDriver to attach to (wry cannot automate an incognito
/// one). Release builds are always incognito.
pub(crate) fn driven_by_webdriver() -> bool {
    cfg!(debug_assertions) && std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() == Ok("true")
}

fn create_main_window(app: &mut App) -> Result<(), Box<dyn std::error::Error>> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main")
        .cloned()
        .ok_or("tauri.conf.json declares no \"main\" window")?;
    let scratch = webview_scratch_dir();
    let mut builder = tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?
        .data_directory(scratch.clone());
    if driven_by_webdriver() {
        builder = builder.incognito(false);
    }
    app.manage(WebviewScratch(scratch));
    builder.build()?;
    Ok(())
}

/// Freed memory is wiped: records, file bytes and keys copied on the heap do not outlive their use
/// (docs/security-testing.md, memory after lock).
#[global_allocator]
static ALLOC: saksi_core::process::WipeOnFree = saksi_core::process::WipeOnFree::SYSTEM;

fn main() {
    // GTK, GLib and WebKit's UI side allocate through glibc, not through ALLOC: they are told to
    // overwrite what they free too, which glibc reads only at start (one re-exec, same PID).
    #[cfg(target_os = "linux")]
    {
        if let Err(e) = saksi_core::process::restart_wiping_freed_c_memory() {
            eprintln!("saksi-desktop: freed memory of the C libraries will not be wiped: {e}");
        }
        saksi_core::process::keep_freed_c_memory_settings_to_this_process();
    }
    // A crash must not write keys or decrypted records to disk: no core dumps, not dumpable.
    if let Err(e) = saksi_core::process::harden() {
        eprintln!("saksi-desktop: cannot disable core dumps: {e}");
        std::process::exit(1);
    }
    // Mesa would otherwise keep a shader cache in ~/.cache; nothing of the app should persist.
    std::env::set_var("MESA_SHADER_CACHE_DISABLE", "true");

    let navigation_guard = tauri::plugin::Builder::<tauri::Wry>::new("navigation-guard")
        .on_navigation(|_webview, url| is_app_url(url))
        .build();

    let app = tauri::Builder::default()
        .plugin(navigation_guard)
        .manage(AppState::from_env())
        // Evidence and bundles: native dialogs (shown from Rust), long-job progress/cancel,
        // dropped files, and images served from memory through the `saksi:` scheme.
        .plugin(tauri_plugin_dialog::init())
        .manage(jobs::Jobs::default())
        .manage(dialogs::Drops::default())
        .register_asynchronous_uri_scheme_protocol(scheme::SCHEME, scheme::handle)
        .on_window_event(dialogs::on_window_event)
        .setup(|app| {
            dialogs::disable_recent_files();
            create_main_window(app)
        })
        .invoke_handler(tauri::generate_handler![
            commands::vault::vault_status,
            commands::vault::vault_create,
            commands::vault::vault_unlock,
            commands::vault::vault_lock,
            commands::recording::recording_start,
            commands::recording::recording_status,
            commands::recording::recording_stop,
            commands::recording::recording_cancel,
            commands::vault::vault_wipe,
            commands::vault::change_passphrase,
            commands::records::incident_list,
            commands::records::incident_get,
            commands::records::incident_add,
            commands::records::incident_update,
            commands::records::person_list,
            commands::records::person_get,
            commands::records::person_add,
            commands::records::person_update,
            commands::records::person_involvements,
            commands::records::person_proceedings,
            commands::records::proceeding_add,
            commands::records::testimony_list,
            commands::records::testimony_get,
            commands::records::testimony_add,
            commands::records::testimony_update,
            commands::records::vocabulary,
            commands::settings::settings_get,
            commands::settings::setting_set,
            commands::settings::draft_get,
            commands::settings::draft_list,
            commands::settings::draft_save,
            commands::settings::draft_discard,
            commands::settings::language_set,
            commands::search::search,
            commands::search::search_count,
            jobs::job_cancel,
            dialogs::evidence_drop_subscribe,
            commands::evidence::evidence_list,
            commands::evidence::evidence_media_chunk,
            commands::evidence::evidence_get,
            commands::evidence::evidence_pick_attach,
            commands::evidence::evidence_attach_dropped,
            commands::evidence::evidence_extract,
            commands::evidence::evidence_redact,
            commands::capture::capture_pending,
            commands::capture::capture_pick,
            commands::capture::capture_take_dropped,
            commands::capture::capture_paste,
            commands::capture::capture_remove,
            commands::capture::capture_save,
            commands::evidence::testimony_pseudonymise_preview,
            commands::evidence::testimony_pseudonymise,
            commands::reports::report_counts,
            commands::reports::report_detained,
            commands::reports::report_timeline,
            commands::reports::report_detained_series,
            commands::reports::report_save,
            commands::records::record_history,
            commands::persons::person_duplicates,
            commands::persons::person_merge,
            commands::persons::person_unmerge,
            commands::persons::person_merge_group,
            commands::bundle::export_preview,
            commands::bundle::export_run,
            commands::bundle::import_run,
            commands::bundle::conflict_list,
            commands::bundle::conflict_resolve,
            commands::bundle::conflict_detail,
            commands::bundle::conflict_resolve_fields,
            commands::vault::vault_verify,
            commands::bundle::keys::recipient_list,
            commands::bundle::keys::recipient_add,
            commands::bundle::keys::recipient_add_card_pick,
            commands::bundle::keys::hq_key_get,
            commands::bundle::keys::hq_keygen,
            commands::bundle::keys::device_card_get,
            commands::bundle::keys::device_card_save,
            commands::bundle::keys::trust_list,
            commands::bundle::keys::trust_add_pick,
            commands::bundle::keys::trust_revoke,
            commands::bundle::keys::trust_rename,
            commands::bundle::keys::device_rename,
            // Recovery key, backup and restore (issue 16).
            commands::lifecycle::recovery_status,
            commands::lifecycle::recovery_add,
            commands::lifecycle::recovery_remove,
            commands::lifecycle::recovery_key_check,
            commands::lifecycle::vault_unlock_recovery,
            commands::lifecycle::backup_run,
            commands::lifecycle::restore_run,
            commands::annotations::annotation_list,
            commands::annotations::annotation_get,
            commands::annotations::annotation_add,
            commands::annotations::annotation_edit,
            commands::annotations::provision_add,
            commands::annotations::review_mode_set,
            commands::cases::case_list,
            commands::cases::case_create,
            commands::cases::case_add,
            commands::cases::case_show,
            commands::cases::case_folder,
            commands::cases::case_export,
            // Deletion, consent withdrawal (issue 13) and the duress passphrase (issue 16).
            commands::deletion::record_delete,
            commands::deletion::deletion_list,
            commands::deletion::deletion_apply,
            commands::deletion::deletion_keep,
            commands::deletion::deletion_policy_set,
            commands::consent::consent_state,
            commands::consent::consent_withdraw,
            commands::duress::duress_status,
            commands::duress::duress_set,
            commands::duress::duress_remove,
        ])
        .build(tauri::generate_context!());

    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("saksi-desktop: cannot start: {e}");
            std::process::exit(1);
        }
    };

    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            if let Err(e) = handle.state::<AppState>().lock() {
                eprintln!("saksi-desktop: locking the vault on exit failed: {e}");
            }
            if let Some(scratch) = handle.try_state::<WebviewScratch>() {
                let _ = std::fs::remove_dir_all(&scratch.0);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::is_app_url;

    #[test]
    fn only_the_apps_own_origin_may_be_shown() {
        let ok = [
            "tauri://localhost/",
            "tauri://localhost/index.html",
            "http://tauri.localhost/",
        ];
        let refused = [
            "javascript:alert(1)",
            "http://example.org/",
            "https://localhost/",
            "file:///etc/passwd",
            "data:text/html,<script>1</script>",
            "tauri://evil/",
        ];
        for u in ok {
            let url = tauri::Url::parse(u).expect("test url");
            assert!(
                is_app_url(&url),
                "{u} is the app's own page and must be allowed"
            );
        }
        for u in refused {
            let url = tauri::Url::parse(u).expect("test url");
            assert!(!is_app_url(&url), "{u} must never be shown in the window");
        }
    }
}
