//! The `saksi:` URI scheme: thumbnails and photos served to the window from memory, so they are
//! never written to disk to be displayed (no temp file, no webview cache: `Cache-Control:
//! no-store`, and the webview is incognito).
//!
//! - `saksi://localhost/thumb/<uuid>`: the attachment's thumbnail (JPEG).
//! - `saksi://localhost/view/<uuid>`: the original, only for image types the webview can show
//!   (JPEG, PNG, GIF, WebP) and at most [`MAX_VIEW_BYTES`]; every view is logged in the custody
//!   log by the core.
//!
//! Only opaque attachment ids are accepted, only from the main window, only while the vault is
//! unlocked (403 otherwise). WebKitGTK sends these requests as `saksi://localhost/...` (other
//! platforms would use `http://saksi.localhost/...`); the CSP's `img-src` allows `saksi:`.

use std::borrow::Cow;

use tauri::http::{header, Request, Response, StatusCode};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};
use uuid::Uuid;

use crate::state::AppState;

pub const SCHEME: &str = "saksi";

/// Larger originals are shown through their thumbnail only.
pub const MAX_VIEW_BYTES: u64 = 64 << 20;

/// Media types the viewer may show as an image. Anything else (SVG, HTML, PDF…) is never served:
/// a file from a bundle must not become a document in the window.
const VIEWABLE: &[&str] = &["image/jpeg", "image/png", "image/gif", "image/webp"];

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum What {
    Thumb,
    View,
}

/// Parses the request path: `/thumb/<uuid>` or `/view/<uuid>`, nothing more.
pub fn parse(host: Option<&str>, path: &str) -> Option<(What, Uuid)> {
    if !matches!(host, Some("localhost") | Some("saksi.localhost")) {
        return None;
    }
    let mut parts = path.strip_prefix('/')?.split('/');
    let what = match parts.next()? {
        "thumb" => What::Thumb,
        "view" => What::View,
        _ => return None,
    };
    let id = parts.next()?;
    if parts.next().is_some() || id.len() != 36 {
        return None;
    }
    let id = Uuid::parse_str(id).ok()?;
    Some((what, id))
}

fn plain(status: StatusCode) -> Response<Cow<'static, [u8]>> {
    Response::builder()
        .status(status)
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Cow::Borrowed(&[][..]))
        .expect("static response")
}

fn image(media_type: &str, bytes: Vec<u8>) -> Response<Cow<'static, [u8]>> {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, media_type)
        .header(header::CACHE_CONTROL, "no-store")
        .header("X-Content-Type-Options", "nosniff")
        .header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        )
        .body(Cow::Owned(bytes))
        .expect("image response")
}

/// Answers one request (off the main thread).
pub fn answer(
    state: &AppState,
    webview: &str,
    request: &Request<Vec<u8>>,
) -> Response<Cow<'static, [u8]>> {
    if webview != "main" {
        return plain(StatusCode::FORBIDDEN);
    }
    if request.method() != tauri::http::Method::GET {
        return plain(StatusCode::METHOD_NOT_ALLOWED);
    }
    let uri = request.uri();
    let Some((what, id)) = parse(uri.host(), uri.path()) else {
        return plain(StatusCode::NOT_FOUND);
    };
    let mut slot = state.slot();
    let Some(vault) = slot.as_mut() else {
        return plain(StatusCode::FORBIDDEN);
    };
    match what {
        What::Thumb => match saksi_core::evidence::thumbnail(vault, &id) {
            Ok(Some(jpeg)) => image("image/jpeg", jpeg),
            Ok(None) | Err(_) => plain(StatusCode::NOT_FOUND),
        },
        What::View => {
            let Ok(att) = saksi_core::evidence::get(vault, &id) else {
                return plain(StatusCode::NOT_FOUND);
            };
            if !VIEWABLE.contains(&att.media_type.as_str()) {
                return plain(StatusCode::UNSUPPORTED_MEDIA_TYPE);
            }
            if att.size > MAX_VIEW_BYTES {
                return plain(StatusCode::PAYLOAD_TOO_LARGE);
            }
            match saksi_core::evidence::read_for_view(vault, &id, MAX_VIEW_BYTES) {
                Ok((media_type, mut bytes)) if VIEWABLE.contains(&media_type.as_str()) => {
                    // Moved, not copied: the webview takes the buffer from here.
                    image(&media_type, std::mem::take(&mut *bytes))
                }
                Ok(_) => plain(StatusCode::UNSUPPORTED_MEDIA_TYPE),
                Err(_) => plain(StatusCode::NOT_FOUND),
            }
        }
    }
}

/// The handler given to `register_asynchronous_uri_scheme_protocol`: the vault is read on a
/// worker thread, never on the main (UI) thread.
pub fn handle<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let app = ctx.app_handle().clone();
    let webview = ctx.webview_label().to_string();
    tauri::async_runtime::spawn_blocking(move || {
        let response = match app.try_state::<AppState>() {
            Some(state) => answer(&state, &webview, &request),
            None => plain(StatusCode::SERVICE_UNAVAILABLE),
        };
        responder.respond(response);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0190b7a2-3c4d-7e8f-9a0b-1c2d3e4f5a6b";

    #[test]
    fn only_opaque_ids_under_thumb_and_view_are_served() {
        assert_eq!(
            parse(Some("localhost"), &format!("/thumb/{ID}")),
            Some((What::Thumb, Uuid::parse_str(ID).expect("uuid")))
        );
        assert_eq!(
            parse(Some("localhost"), &format!("/view/{ID}")).map(|p| p.0),
            Some(What::View)
        );
        let refused = [
            (Some("localhost"), "/thumb/../../etc/passwd".to_string()),
            (Some("localhost"), "/thumb/".to_string()),
            (Some("localhost"), format!("/thumb/{ID}/x")),
            (Some("localhost"), format!("/blob/{ID}")),
            (Some("localhost"), format!("/thumb/{}", ID.replace('-', ""))),
            (Some("evil.example"), format!("/thumb/{ID}")),
            (None, format!("/thumb/{ID}")),
            (Some("localhost"), format!("/thumb/{{{ID}}}")),
        ];
        for (host, path) in refused {
            assert_eq!(
                parse(host, &path),
                None,
                "{host:?} {path} must not be served"
            );
        }
    }

    #[test]
    fn nothing_is_served_while_locked() {
        let state = AppState::from_env();
        let req = Request::builder()
            .uri(format!("saksi://localhost/thumb/{ID}"))
            .body(Vec::new())
            .expect("request");
        let res = answer(&state, "main", &req);
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "a locked vault serves nothing"
        );
        assert_eq!(
            res.headers()
                .get(header::CACHE_CONTROL)
                .map(|v| v.to_str().ok()),
            Some(Some("no-store")),
            "no response may be cached"
        );
        let res = answer(&state, "other", &req);
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "only the main window is served"
        );
    }
}
