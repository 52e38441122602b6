//! The `saksi:` URI scheme: thumbnails and photos served to the window from memory, so they are
//! never written to disk to be displayed (no temp file, no webview cache: `Cache-Control:
//! no-store`, and the webview is incognito).
//!
//! - `saksi://localhost/thumb/<uuid>`: the attachment's thumbnail (JPEG).
//! - `saksi://localhost/view/<uuid>`: the original, only for image types the webview can show
//!   (JPEG, PNG, GIF, WebP) and at most [`MAX_VIEW_BYTES`]; every view is logged in the custody
//!   log by the core.
//! - `saksi://localhost/media/<uuid>`: audio and video ([`PLAYABLE`]) for `<audio>`/`<video>`,
//!   answering `Range` requests (206, `Content-Range`, `Accept-Ranges: bytes`; 416 for a range
//!   past the end) with at most `MAX_RANGE_BYTES` (4 MiB) decrypted in memory per response: the
//!   blob reader seeks, so only the age chunks a range covers are decrypted. A request without
//!   `Range` gets the whole file (200) when it fits in one response, else its first range (206).
//!   WebKitGTK's media backend cannot read a custom scheme (the element fails with
//!   MEDIA_ERR_SRC_NOT_SUPPORTED, found by `tests/e2e/audio.test.mjs`), so the viewer plays from
//!   an in-memory Blob filled by the `evidence_media_chunk` command instead; this route stays for
//!   webviews that can use it.
//!
//! Only opaque attachment ids are accepted, only from the main window, only while the vault is
//! unlocked (403 otherwise). WebKitGTK sends these requests as `saksi://localhost/...` (other
//! platforms would use `http://saksi.localhost/...`); the CSP's `img-src` and `media-src` allow `saksi:`.

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

/// Audio and video the window may play (served as their own type, never as a document).
pub(crate) const PLAYABLE: &[&str] = &[
    "audio/x-wav",
    "audio/wav",
    "audio/mpeg",
    "audio/ogg",
    "audio/opus",
    "audio/x-flac",
    "audio/m4a",
    "video/mp4",
    "video/webm",
    "video/x-matroska",
];

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum What {
    Thumb,
    View,
    Media,
}

/// A `Range: bytes=…` header for a file of `size` bytes: `Ok(None)` without one (or with a
/// form we do not serve piecewise: several ranges), `Ok(Some((first, last)))` inclusive, or
/// `Err(())` for a range that cannot be satisfied (416).
pub fn parse_range(header: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(h) = header else { return Ok(None) };
    let Some(spec) = h.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (a, b) = (a.trim(), b.trim());
    if size == 0 {
        return Err(());
    }
    let (first, last) = if a.is_empty() {
        // The last `b` bytes.
        let n: u64 = b.parse().map_err(|_| ())?;
        if n == 0 {
            return Err(());
        }
        (size.saturating_sub(n), size - 1)
    } else {
        let first: u64 = a.parse().map_err(|_| ())?;
        let last = if b.is_empty() {
            size - 1
        } else {
            b.parse::<u64>().map_err(|_| ())?.min(size - 1)
        };
        (first, last)
    };
    if first >= size || last < first {
        return Err(());
    }
    Ok(Some((first, last)))
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
        "media" => What::Media,
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

fn media(
    status: StatusCode,
    media_type: &str,
    range: Option<(u64, u64, u64)>,
    bytes: Vec<u8>,
) -> Response<Cow<'static, [u8]>> {
    let served = if media_type == "audio/x-wav" {
        "audio/wav"
    } else {
        media_type
    };
    let mut b = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, served)
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::ACCEPT_RANGES, "bytes")
        .header("X-Content-Type-Options", "nosniff")
        .header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        );
    if let Some((first, last, size)) = range {
        b = b.header(
            header::CONTENT_RANGE,
            format!("bytes {first}-{last}/{size}"),
        );
    }
    b.body(Cow::Owned(bytes)).expect("media response")
}

fn unsatisfiable(size: u64) -> Response<Cow<'static, [u8]>> {
    Response::builder()
        .status(StatusCode::RANGE_NOT_SATISFIABLE)
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::CONTENT_RANGE, format!("bytes */{size}"))
        .body(Cow::Borrowed(&[][..]))
        .expect("static response")
}

/// One `/media/` request: the range asked for (or the whole file, or its first range), from
/// memory.
fn answer_media(
    vault: &mut saksi_core::vault::Vault,
    id: &Uuid,
    range_header: Option<&str>,
) -> Response<Cow<'static, [u8]>> {
    let Ok(att) = saksi_core::evidence::get(vault, id) else {
        return plain(StatusCode::NOT_FOUND);
    };
    if !PLAYABLE.contains(&att.media_type.as_str()) {
        return plain(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    let max = saksi_core::evidence::media::MAX_RANGE_BYTES;
    let (first, last, partial) = match parse_range(range_header, att.size) {
        Err(()) => return unsatisfiable(att.size),
        Ok(Some((first, last))) => (first, last.min(first.saturating_add(max - 1)), true),
        Ok(None) if att.size == 0 => return media(StatusCode::OK, &att.media_type, None, vec![]),
        Ok(None) => (0, (att.size - 1).min(max - 1), att.size > max),
    };
    match saksi_core::evidence::read_range(vault, id, first, last - first + 1) {
        Ok((att, mut bytes)) => {
            // Moved, not copied: the webview takes the buffer from here.
            let bytes = std::mem::take(&mut *bytes);
            if partial {
                let last = first + bytes.len() as u64 - 1;
                media(
                    StatusCode::PARTIAL_CONTENT,
                    &att.media_type,
                    Some((first, last, att.size)),
                    bytes,
                )
            } else {
                media(StatusCode::OK, &att.media_type, None, bytes)
            }
        }
        Err(_) => plain(StatusCode::NOT_FOUND),
    }
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
        What::Media => {
            let range = request
                .headers()
                .get(header::RANGE)
                .and_then(|v| v.to_str().ok());
            answer_media(vault, &id, range)
        }
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
    fn ranges_are_read_as_http_says() {
        assert_eq!(
            parse_range(None, 100),
            Ok(None),
            "no header: the whole file"
        );
        assert_eq!(parse_range(Some("bytes=0-"), 100), Ok(Some((0, 99))));
        assert_eq!(parse_range(Some("bytes=10-19"), 100), Ok(Some((10, 19))));
        assert_eq!(
            parse_range(Some("bytes=90-500"), 100),
            Ok(Some((90, 99))),
            "a last byte past the end is cut at the end"
        );
        assert_eq!(parse_range(Some("bytes=-30"), 100), Ok(Some((70, 99))));
        assert_eq!(parse_range(Some("bytes=-300"), 100), Ok(Some((0, 99))));
        assert_eq!(
            parse_range(Some("bytes=0-1,5-6"), 100),
            Ok(None),
            "several ranges are answered with the whole file"
        );
        for bad in [
            "bytes=100-",
            "bytes=20-10",
            "bytes=x-",
            "bytes=-0",
            "bytes=5",
        ] {
            assert_eq!(
                parse_range(Some(bad), 100),
                Err(()),
                "{bad} cannot be satisfied"
            );
        }
        assert_eq!(
            parse_range(Some("bytes=0-"), 0),
            Err(()),
            "an empty file has no byte 0"
        );
    }

    #[test]
    fn media_paths_are_parsed() {
        assert_eq!(
            parse(Some("localhost"), &format!("/media/{ID}")).map(|p| p.0),
            Some(What::Media)
        );
        assert_eq!(parse(Some("localhost"), &format!("/media/{ID}/x")), None);
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
