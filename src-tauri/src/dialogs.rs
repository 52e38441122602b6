//! Native open/save dialogs and dropped files. File paths stay in this process: the webview asks
//! "attach files to this record" or "export to a file", Rust shows the dialog and uses the chosen
//! path itself, so a script in the page (stored XSS) can never name a path to read or write.
//!
//! GTK's file chooser would list every chosen file in `~/.local/share/recently-used.xbel` (a
//! trail of evidence file names for a forensic examiner): [`disable_recent_files`] switches that
//! off before any dialog opens.
//!
//! **End-to-end test hook (debug builds only).** WebDriver cannot drive a native dialog. A debug
//! build started by tauri-driver (`TAURI_WEBVIEW_AUTOMATION=true`) with `--e2e-pick FILE` on its
//! command line answers every dialog from FILE instead: its lines are the chosen absolute paths
//! (an empty file means "cancelled"). The code is not compiled into release builds.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;

use crate::error::{CmdError, CmdResult};

/// Switches off GTK's list of recently used files for this process. Call on the main thread,
/// after GTK is initialised (in `setup`).
#[cfg(target_os = "linux")]
pub fn disable_recent_files() {
    use gtk::prelude::GtkSettingsExt;
    if let Some(settings) = gtk::Settings::default() {
        settings.set_gtk_recent_files_enabled(false);
        settings.set_gtk_recent_files_max_age(0);
    }
    if !recent_files_disabled() {
        eprintln!("saksi-desktop: warning: GTK's recent-files list could not be switched off");
    }
}

#[cfg(not(target_os = "linux"))]
pub fn disable_recent_files() {}

/// Whether GTK's recent-files list is off (for the self-check at startup and the tests).
#[cfg(target_os = "linux")]
pub fn recent_files_disabled() -> bool {
    use gtk::prelude::GtkSettingsExt;
    gtk::Settings::default()
        .is_some_and(|s| !s.is_gtk_recent_files_enabled() && s.gtk_recent_files_max_age() == 0)
}

#[cfg(not(target_os = "linux"))]
pub fn recent_files_disabled() -> bool {
    true
}

/// The debug-only dialog answer, see the module documentation.
#[cfg(debug_assertions)]
fn e2e_answer() -> Option<Vec<PathBuf>> {
    if std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() != Ok("true") {
        return None;
    }
    let mut args = std::env::args_os().skip(1);
    let file = loop {
        let arg = args.next()?;
        if arg == "--e2e-pick" {
            break PathBuf::from(args.next()?);
        }
    };
    let text = std::fs::read_to_string(file).unwrap_or_default();
    Some(
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .collect(),
    )
}

#[cfg(not(debug_assertions))]
fn e2e_answer() -> Option<Vec<PathBuf>> {
    None
}

/// A filter shown in the dialogs; names are the file kinds, not user data.
pub struct Filter<'a> {
    pub name: &'a str,
    pub extensions: &'a [&'a str],
}

impl<'a> Filter<'a> {
    /// The same filter under the name the window gave, in the person's language (sanitised as a
    /// dialog title is; the English name when none was given).
    pub fn named(&self, name: &'a Option<String>) -> Filter<'a> {
        Filter {
            name: name
                .as_deref()
                .filter(|n| !n.trim().is_empty() && n.chars().count() <= 80)
                .filter(|n| !n.chars().any(char::is_control))
                .unwrap_or(self.name),
            extensions: self.extensions,
        }
    }
}

/// Lets the person choose files to open. `None` when the dialog was cancelled.
pub fn pick_files<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    multiple: bool,
    filter: Option<Filter<'_>>,
) -> CmdResult<Option<Vec<PathBuf>>> {
    if let Some(answer) = e2e_answer() {
        return Ok((!answer.is_empty()).then_some(answer));
    }
    let mut dialog = app.dialog().file().set_title(title);
    if let Some(f) = filter {
        dialog = dialog.add_filter(f.name, f.extensions);
    }
    let chosen = if multiple {
        dialog.blocking_pick_files()
    } else {
        dialog.blocking_pick_file().map(|p| vec![p])
    };
    let Some(chosen) = chosen else {
        return Ok(None);
    };
    let paths = chosen
        .into_iter()
        .map(|p| {
            p.into_path()
                .map_err(|_| CmdError::invalid("the chosen file is not a local file"))
        })
        .collect::<CmdResult<Vec<_>>>()?;
    Ok((!paths.is_empty()).then_some(paths))
}

/// Lets the person choose one file to open. `None` when the dialog was cancelled.
pub fn pick_one<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    filter: Option<Filter<'_>>,
) -> CmdResult<Option<PathBuf>> {
    Ok(pick_files(app, title, false, filter)?.and_then(|p| p.into_iter().next()))
}

/// Lets the person choose (or make, in the dialog) a folder to write into. `None` when the
/// dialog was cancelled.
pub fn pick_folder<R: Runtime>(app: &AppHandle<R>, title: &str) -> CmdResult<Option<PathBuf>> {
    if let Some(answer) = e2e_answer() {
        return Ok(answer.into_iter().next());
    }
    let Some(chosen) = app.dialog().file().set_title(title).blocking_pick_folder() else {
        return Ok(None);
    };
    chosen
        .into_path()
        .map(Some)
        .map_err(|_| CmdError::invalid("the chosen folder is not a local folder"))
}

/// A path's file name (never its folder), for messages to the window.
pub fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Lets the person choose where to save. `None` when the dialog was cancelled. The GTK dialog
/// asks before replacing a file and the core never overwrites one, so a file the person agreed
/// to replace is removed here.
pub fn save_replacing<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    suggested_name: &str,
) -> CmdResult<Option<PathBuf>> {
    let out = save_file(app, title, suggested_name)?;
    if let Some(out) = out.as_ref().filter(|o| o.is_file()) {
        std::fs::remove_file(out).map_err(|e| CmdError::new("io", e.to_string()))?;
    }
    Ok(out)
}

/// Lets the person choose where to save a new file. `None` when the dialog was cancelled. An
/// existing file is left alone (the core then refuses it): used for backups, so that an older
/// backup is never removed before the new one has been written and checked.
pub fn save_file<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    suggested_name: &str,
) -> CmdResult<Option<PathBuf>> {
    if let Some(answer) = e2e_answer() {
        return Ok(answer.into_iter().next());
    }
    let chosen = app
        .dialog()
        .file()
        .set_title(title)
        .set_file_name(suggested_name)
        .blocking_save_file();
    chosen
        .map(|p| {
            p.into_path()
                .map_err(|_| CmdError::invalid("the chosen place is not a local file"))
        })
        .transpose()
}

/// What the UI learns about a drop: an opaque id and the file names (never the folders).
#[derive(Debug, Clone, Serialize)]
pub struct DropNotice {
    pub drop_id: u64,
    pub names: Vec<String>,
}

/// Files dropped on the window, kept here until the UI attaches them (or a newer drop replaces
/// them). Only the latest drop is kept.
#[derive(Default)]
pub struct Drops {
    next: AtomicU64,
    latest: Mutex<Option<(u64, Vec<PathBuf>)>>,
    listener: Mutex<Option<Channel<DropNotice>>>,
}

impl Drops {
    pub fn subscribe(&self, channel: Channel<DropNotice>) {
        *self.listener.lock().unwrap_or_else(|p| p.into_inner()) = Some(channel);
    }

    /// Called from the window's drag-and-drop event.
    pub fn dropped(&self, paths: Vec<PathBuf>) {
        let files: Vec<PathBuf> = paths.into_iter().filter(|p| p.is_file()).collect();
        if files.is_empty() {
            return;
        }
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let names = files
            .iter()
            .map(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        *self.latest.lock().unwrap_or_else(|p| p.into_inner()) = Some((id, files));
        if let Some(ch) = &*self.listener.lock().unwrap_or_else(|p| p.into_inner()) {
            let _ = ch.send(DropNotice { drop_id: id, names });
        }
    }

    /// Takes the paths of drop `id` (once), or the clear refusal when they are gone (taken
    /// already, or a newer drop replaced them).
    pub fn claim(&self, id: u64) -> CmdResult<Vec<PathBuf>> {
        self.take(id).ok_or_else(|| {
            CmdError::invalid("these dropped files are no longer available: drop them again")
        })
    }

    /// Takes the paths of drop `id` (once).
    pub fn take(&self, id: u64) -> Option<Vec<PathBuf>> {
        let mut latest = self.latest.lock().unwrap_or_else(|p| p.into_inner());
        match latest.take() {
            Some((i, paths)) if i == id => Some(paths),
            other => {
                *latest = other;
                None
            }
        }
    }
}

/// Keeps the paths dropped on the window for the UI to attach (`evidence_attach_dropped`).
pub fn on_window_event<R: Runtime>(window: &tauri::Window<R>, event: &tauri::WindowEvent) {
    use tauri::Manager;
    if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
        if let Some(drops) = window.try_state::<Drops>() {
            drops.dropped(paths.clone());
        }
    }
}

/// The UI's channel for drop notices.
#[tauri::command(async)]
pub fn evidence_drop_subscribe(
    drops: tauri::State<'_, Drops>,
    on_drop: Channel<DropNotice>,
) -> CmdResult<()> {
    drops.subscribe(on_drop);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drop_is_taken_once_and_only_by_its_id() {
        let dir = std::env::temp_dir().join(format!("saksi-drop-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let f = dir.join("photo.jpg");
        std::fs::write(&f, b"x").expect("file");
        let drops = Drops::default();
        drops.dropped(vec![f.clone(), dir.clone()]);
        assert_eq!(drops.take(99), None, "a wrong drop id gets nothing");
        assert_eq!(
            drops.take(1),
            Some(vec![f]),
            "folders are not attachments: only the file is kept"
        );
        assert_eq!(drops.take(1), None, "a drop is attached at most once");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_filter_takes_the_windows_name_in_its_language_or_keeps_its_own() {
        const F: Filter<'static> = Filter {
            name: "Saksi bundle",
            extensions: &["saksi"],
        };
        let km = Some("កញ្ចប់ Saksi".to_string());
        assert_eq!(F.named(&km).name, "កញ្ចប់ Saksi");
        assert_eq!(F.named(&km).extensions, &["saksi"]);
        for bad in [
            None,
            Some("  ".into()),
            Some("a\nb".into()),
            Some("x".repeat(81)),
        ] {
            assert_eq!(F.named(&bad).name, "Saksi bundle", "{bad:?}");
        }
    }
}
