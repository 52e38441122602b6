//! Build script of the desktop shell.
//!
//! `tauri::generate_context!()` embeds `ui/dist` into the binary at compile time, so the front end
//! must be built first (`scripts/build-ui.sh`). When it is missing but the UI's packages are
//! installed, we build it here (offline: `npm run build` only reads `ui/node_modules`); otherwise we
//! stop with a message that says what to run.
//!
//! The app manifest lists the app's own commands, so each one needs an explicit permission in
//! `capabilities/main.json`: a command that is not listed there cannot be called from the window.

use std::path::Path;
use std::process::Command;

/// Every IPC command of `src-tauri/src/commands`. Keep in step with `capabilities/main.json`.
const COMMANDS: &[&str] = &[
    "vault_status",
    "vault_create",
    "vault_unlock",
    "vault_lock",
    "recording_start",
    "recording_status",
    "recording_stop",
    "recording_cancel",
    "vault_wipe",
    "change_passphrase",
    "incident_list",
    "incident_get",
    "incident_add",
    "incident_update",
    "person_list",
    "person_get",
    "person_add",
    "person_update",
    "person_involvements",
    "person_proceedings",
    "proceeding_add",
    "report_counts",
    "report_detained",
    "report_timeline",
    "report_detained_series",
    "report_save",
    "record_history",
    "person_duplicates",
    "person_merge",
    "person_unmerge",
    "person_merge_group",
    "testimony_list",
    "testimony_get",
    "testimony_add",
    "testimony_update",
    "vocabulary",
    "settings_get",
    "setting_set",
    "draft_get",
    "draft_list",
    "draft_save",
    "draft_discard",
    "language_set",
    "search",
    "search_count",
    "job_cancel",
    "evidence_drop_subscribe",
    "evidence_list",
    "evidence_media_chunk",
    "evidence_get",
    "evidence_pick_attach",
    "evidence_attach_dropped",
    "evidence_extract",
    "evidence_redact",
    "capture_pending",
    "capture_pick",
    "capture_take_dropped",
    "capture_paste",
    "capture_remove",
    "capture_save",
    "testimony_pseudonymise_preview",
    "testimony_pseudonymise",
    "export_preview",
    "export_run",
    "import_run",
    "conflict_list",
    "conflict_resolve",
    "conflict_detail",
    "conflict_resolve_fields",
    "vault_verify",
    "recipient_list",
    "recipient_add",
    "recipient_add_card_pick",
    "hq_key_get",
    "hq_keygen",
    "device_card_get",
    "device_card_save",
    "trust_list",
    "trust_add_pick",
    "trust_revoke",
    "trust_rename",
    "device_rename",
    // Recovery key, backup and restore (issue 16).
    "recovery_status",
    "recovery_add",
    "recovery_remove",
    "recovery_key_check",
    "vault_unlock_recovery",
    "backup_run",
    "restore_run",
    "annotation_list",
    "annotation_get",
    "annotation_add",
    "annotation_edit",
    "provision_add",
    "review_mode_set",
    "case_list",
    "case_create",
    "case_add",
    "case_show",
    "case_folder",
    "case_export",
    // Deletion, consent withdrawal (issue 13) and the duress passphrase (issue 16).
    "record_delete",
    "deletion_list",
    "deletion_apply",
    "deletion_keep",
    "deletion_policy_set",
    "consent_state",
    "consent_withdraw",
    "duress_status",
    "duress_set",
    "duress_remove",
];

fn main() {
    ensure_ui_built();
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {e:#}");
    }
}

fn ensure_ui_built() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ui = root.join("ui");
    println!("cargo:rerun-if-changed=ui/dist");
    if ui.join("dist/index.html").is_file() {
        return;
    }
    if ui.join("node_modules").is_dir() {
        let status = Command::new("npm")
            .args(["run", "build", "--silent"])
            .current_dir(&ui)
            .status();
        if matches!(status, Ok(s) if s.success()) && ui.join("dist/index.html").is_file() {
            return;
        }
    }
    panic!(
        "ui/dist/index.html is missing: the front end must be built before the desktop crate. \
         Run `bash scripts/build-ui.sh` (installs the UI packages if needed, then builds ui/dist)."
    );
}
