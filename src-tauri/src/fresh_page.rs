//! After a lock or a panic wipe the page is not merely switched to the unlock screen: the web
//! process that showed records and received the typed passphrase is ended (its JavaScript heap,
//! DOM and caches go with it) and a new one loads the app afresh. A core dump taken after lock
//! found shown records and the passphrase as typed in the old web process
//! (`tests/e2e/memory.test.mjs`, docs/security-testing.md).
//!
//! The new page learns why it was started from the URL's query only (`?start=locked`,
//! `locked-idle-5`, `locked-wrong-current`, `wiped`), built here from a closed set, so that it can
//! say "Locked after 5 minutes without use" as before.
//!
//! Under WebDriver (a debug build started by tauri-driver, for the end-to-end tests) ending the
//! web process would end the WebDriver session too (WebKit closes an automation session whose
//! web process goes), so there the page is only loaded afresh in the same process: the old page's
//! objects are left to WebKit's collector (and, once freed, overwritten under the C heap settings
//! of `saksi_core::process::WIPE_FREED_C_MEMORY`). The release app, and a debug build not driven
//! by WebDriver, always end the process; `tests/desktop-x11/` checks that path in the real window.

use serde::Deserialize;
use tauri::WebviewWindow;

/// Why the page is restarted: what the new page tells the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Notice {
    /// Locked by the user (the Lock button, Ctrl+L) or because the shell was found locked.
    Locked,
    /// Locked after `minutes` without use.
    Idle { minutes: u32 },
    /// Locked after a wrong current passphrase was given in the settings.
    WrongCurrent,
    /// The vault was wiped.
    Wiped,
}

impl Notice {
    /// The `start` value the new page reads (ui/src/lib/freshPage.ts).
    pub fn start_value(self) -> String {
        match self {
            Notice::Locked => "locked".into(),
            Notice::Idle { minutes } => format!("locked-idle-{minutes}"),
            Notice::WrongCurrent => "locked-wrong-current".into(),
            Notice::Wiped => "wiped".into(),
        }
    }
}

/// What the page restarted by a lock is to say. A page that finds the shell locked asks for a
/// lock itself (ui/src/App.svelte, `setLockedHandler`); when the vault was locked because it was
/// wiped, and none has been open since, that page's restart must not replace the wipe's notice
/// with "locked" (seen in a full end-to-end run: the first-run screen after a panic wipe said
/// "The vault is locked.").
pub fn after_lock(was_open: bool, wiped_since: bool, asked: Notice) -> Notice {
    if !was_open && wiped_since {
        Notice::Wiped
    } else {
        asked
    }
}

/// Ends the window's web process and loads the app's page again in a new one, with `notice` in
/// the query. Returns whether that was set in motion (the current page is then about to go:
/// the UI waits for it instead of showing the unlock screen itself); `false` where the platform's
/// webview cannot do it, and the UI carries on in the same page.
pub fn restart(window: &WebviewWindow, notice: Notice) -> bool {
    #[cfg(target_os = "linux")]
    {
        let Ok(mut url) = window.url() else {
            return false;
        };
        url.set_path("/");
        url.set_fragment(None);
        url.query_pairs_mut()
            .clear()
            .append_pair("start", &notice.start_value());
        let url = url.to_string();
        let in_place = crate::driven_by_webdriver();
        window
            .with_webview(move |webview| {
                use webkit2gtk::WebViewExt;
                let view = webview.inner();
                if !in_place {
                    view.terminate_web_process();
                }
                view.load_uri(&url);
            })
            .is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (window, notice);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::Notice;

    #[test]
    fn a_lock_after_a_wipe_keeps_the_wipe_notice_until_a_vault_is_open_again() {
        use super::after_lock;
        assert_eq!(after_lock(false, true, Notice::Locked), Notice::Wiped);
        assert_eq!(
            after_lock(false, true, Notice::Idle { minutes: 5 }),
            Notice::Wiped
        );
        assert_eq!(after_lock(true, false, Notice::Locked), Notice::Locked);
        assert_eq!(after_lock(false, false, Notice::Locked), Notice::Locked);
        assert_eq!(
            after_lock(true, false, Notice::WrongCurrent),
            Notice::WrongCurrent
        );
    }

    #[test]
    fn the_new_page_is_told_why_from_a_closed_set() {
        let parse = |json: &str| serde_json::from_str::<Notice>(json);
        assert_eq!(
            parse(r#"{"reason":"locked"}"#).unwrap().start_value(),
            "locked"
        );
        assert_eq!(
            parse(r#"{"reason":"idle","minutes":5}"#)
                .unwrap()
                .start_value(),
            "locked-idle-5"
        );
        assert_eq!(
            parse(r#"{"reason":"wrong_current"}"#)
                .unwrap()
                .start_value(),
            "locked-wrong-current"
        );
        assert_eq!(Notice::Wiped.start_value(), "wiped");
        // Nothing else reaches the URL: no free text, no other reason, no negative minutes.
        assert!(parse(r#"{"reason":"<script>"}"#).is_err());
        assert!(parse(r#"{"reason":"idle","minutes":-1}"#).is_err());
        assert!(parse(r#"{"reason":"idle"}"#).is_err());
    }
}
