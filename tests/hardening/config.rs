//! Issue 15, item 9: the desktop configuration gate. Fails if `tauri.conf.json` or a capability
//! in `capabilities/` weakens what the threat model's "stored XSS" row relies on:
//! - the CSP (and a `devCsp`, if one appears) allows only `'self'` and `'none'`, plus `saksi:` and
//!   `data:` images and the IPC origins (`ipc:`, `http://ipc.localhost`) in `connect-src` and
//!   nowhere else: no `'unsafe-*'`, no wildcard, no remote or other scheme source; `script-src`,
//!   `object-src`, `base-uri`, `frame-src` and `form-action` are present and strict;
//! - `withGlobalTauri` is explicitly false, `freezePrototype` true, no
//!   `dangerousDisableAssetCspModification`, no asset protocol;
//! - every window is incognito and loads no remote URL;
//! - every capability applies to the main window only, has no `remote` access, and grants only
//!   `allow-<command>` permissions of commands the app itself defines (`#[tauri::command]` in
//!   `src-tauri/src/`): no core, plugin, wildcard or scoped permissions.
//!
//! A second test mutates the real configuration in each of those ways and checks that the gate
//! catches every one, so that the gate itself cannot silently go blind.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read_json(p: &Path) -> Value {
    let s = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("{} is not JSON: {e}", p.display()))
}

/// The app's own IPC commands: every `fn` right after a `#[tauri::command]` attribute in any
/// source file of the desktop shell (`src-tauri/src/`, recursively).
fn app_commands() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![repo().join("src-tauri/src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("src-tauri/src") {
            let path = e.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let src = std::fs::read_to_string(&path).unwrap_or_default();
            let mut armed = false;
            for line in src.lines() {
                let l = line.trim();
                if l.starts_with("#[tauri::command") {
                    armed = true;
                } else if armed
                    && (l.starts_with("pub") || l.starts_with("fn") || l.starts_with("async"))
                {
                    if let Some(name) = l
                        .split("fn ")
                        .nth(1)
                        .and_then(|t| t.split(['(', '<']).next())
                    {
                        out.insert(name.trim().to_string());
                    }
                    armed = false;
                }
            }
        }
    }
    out
}

/// Every weakness of the CSP string `csp`, named.
fn csp_problems(csp: &str, what: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for directive in csp.split(';').map(str::trim).filter(|d| !d.is_empty()) {
        let mut parts = directive.split_whitespace();
        let name = parts.next().unwrap_or_default().to_ascii_lowercase();
        seen.insert(name.clone());
        for src in parts {
            let s = src.to_ascii_lowercase();
            let allowed = match s.as_str() {
                "'self'" | "'none'" => true,
                // Audio and video play from memory (issue 13): over the `saksi:` scheme, or from
                // an in-memory Blob the window assembles from `evidence_media_chunk` (WebKitGTK's
                // media backend cannot read a custom scheme); never from data: or anywhere else,
                // and a blob: URL nowhere but media-src (a blob: script would be script the
                // window made itself).
                "saksi:" | "blob:" if name == "media-src" => true,
                "saksi:" | "data:" => name == "img-src",
                "ipc:" | "http://ipc.localhost" => name == "connect-src",
                _ => false,
            };
            if !allowed {
                problems.push(format!("{what}: `{name}` allows `{src}`"));
            }
        }
    }
    for (required, value) in [
        ("default-src", None),
        ("script-src", None),
        ("connect-src", None),
        ("object-src", Some("'none'")),
        ("base-uri", Some("'none'")),
        ("frame-src", Some("'none'")),
        ("form-action", Some("'none'")),
    ] {
        if !seen.contains(required) {
            problems.push(format!(
                "{what}: `{required}` is missing (it would fall back to something looser)"
            ));
        }
        if let Some(v) = value {
            let d = csp
                .split(';')
                .map(str::trim)
                .find(|d| d.starts_with(required));
            if d.is_some_and(|d| d.split_whitespace().skip(1).collect::<Vec<_>>() != [v]) {
                problems.push(format!("{what}: `{required}` must be exactly {v}"));
            }
        }
    }
    problems
}

/// Every weakness of the desktop configuration and capabilities, named.
fn problems(
    conf: &Value,
    capabilities: &[(String, Value)],
    commands: &BTreeSet<String>,
) -> Vec<String> {
    let mut p = Vec::new();
    let app = &conf["app"];
    let sec = &app["security"];
    match sec["csp"].as_str() {
        Some(csp) => p.extend(csp_problems(csp, "csp")),
        None => p.push("the CSP is missing or not a single string".into()),
    }
    if !sec["devCsp"].is_null() {
        match sec["devCsp"].as_str() {
            Some(csp) => p.extend(csp_problems(csp, "devCsp")),
            None => p.push("devCsp is not a single string".into()),
        }
    }
    if app["withGlobalTauri"] != Value::Bool(false) {
        p.push(
            "withGlobalTauri must be explicitly false (no global Tauri object for injected script)"
                .into(),
        );
    }
    if sec["freezePrototype"] != Value::Bool(true) {
        p.push("freezePrototype must be true".into());
    }
    if !sec["dangerousDisableAssetCspModification"].is_null()
        && sec["dangerousDisableAssetCspModification"] != Value::Bool(false)
    {
        p.push("dangerousDisableAssetCspModification must stay off".into());
    }
    if sec["assetProtocol"]["enable"] == Value::Bool(true) {
        p.push(
            "the asset protocol must stay off (it serves files from disk to the webview)".into(),
        );
    }
    if !sec["dangerousRemoteDomainIpcAccess"].is_null() {
        p.push("no remote domain may reach the IPC".into());
    }
    let windows = app["windows"].as_array().cloned().unwrap_or_default();
    if windows.is_empty() {
        p.push("no window is declared".into());
    }
    for w in &windows {
        let label = w["label"].as_str().unwrap_or("?");
        if w["incognito"] != Value::Bool(true) {
            p.push(format!(
                "window {label} must be incognito (the webview stores nothing on disk)"
            ));
        }
        if let Some(url) = w["url"].as_str() {
            if url.contains("://") {
                p.push(format!("window {label} loads a remote URL {url}"));
            }
        }
    }
    let known: BTreeSet<&str> = capabilities
        .iter()
        .filter_map(|(_, c)| c["identifier"].as_str())
        .collect();
    for c in sec["capabilities"].as_array().into_iter().flatten() {
        match c.as_str() {
            Some(id) if known.contains(id) => {}
            _ => p.push(format!(
                "security.capabilities names {c}, which is not a capability file here"
            )),
        }
    }
    for (file, cap) in capabilities {
        if cap["windows"] != serde_json::json!(["main"]) {
            p.push(format!(
                "{file}: a capability applies to the main window only, not {}",
                cap["windows"]
            ));
        }
        if !cap["webviews"].is_null() {
            p.push(format!("{file}: no capability by webview label"));
        }
        if !cap["remote"].is_null() {
            p.push(format!("{file}: no remote origin may get a capability"));
        }
        if !cap["platforms"].is_null() && cap["platforms"] != serde_json::json!(["linux"]) {
            // Harmless in itself, but keep the file as simple as the gate can read.
        }
        for perm in cap["permissions"].as_array().into_iter().flatten() {
            let Some(name) = perm.as_str() else {
                p.push(format!(
                    "{file}: a scoped permission object {perm} (only plain allow-<command>)"
                ));
                continue;
            };
            let command = name.strip_prefix("allow-").map(|c| c.replace('-', "_"));
            if !command.as_ref().is_some_and(|c| commands.contains(c)) {
                p.push(format!(
                    "{file}: `{name}` is not one of the app's own commands"
                ));
            }
        }
    }
    p
}

fn real() -> (Value, Vec<(String, Value)>) {
    let conf = read_json(&repo().join("tauri.conf.json"));
    let mut caps = Vec::new();
    for e in std::fs::read_dir(repo().join("capabilities")).expect("capabilities/") {
        let path = e.expect("entry").path();
        if path.extension().is_some_and(|x| x == "json") {
            caps.push((
                path.file_name().unwrap().to_string_lossy().into_owned(),
                read_json(&path),
            ));
        }
    }
    caps.sort_by(|a, b| a.0.cmp(&b.0));
    (conf, caps)
}

#[test]
fn desktop_configuration_keeps_the_strict_csp_incognito_window_and_own_commands_only() {
    let (conf, caps) = real();
    let commands = app_commands();
    assert!(
        commands.len() > 20,
        "the gate found the app's commands ({commands:?})"
    );
    assert!(!caps.is_empty(), "there is at least one capability file");
    let found = problems(&conf, &caps, &commands);
    assert!(
        found.is_empty(),
        "the desktop configuration must keep the CSP strict, no global Tauri object, an \
         incognito window and capabilities of the app's own commands only:\n{}",
        found.join("\n")
    );
}

#[test]
fn configuration_gate_catches_each_weakening() {
    let (conf, caps) = real();
    let commands = app_commands();
    let csp = conf["app"]["security"]["csp"]
        .as_str()
        .expect("csp")
        .to_string();
    type Mutate = Box<dyn Fn(&mut Value, &mut Vec<(String, Value)>)>;
    type Mutation = (&'static str, Mutate);
    let set_csp = |s: String| -> Mutate {
        Box::new(move |c, _| c["app"]["security"]["csp"] = Value::String(s.clone()))
    };
    let mutations: Vec<Mutation> = vec![
        (
            "unsafe-inline script",
            set_csp(csp.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")),
        ),
        (
            "unsafe-eval",
            set_csp(csp.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'")),
        ),
        (
            "blob: scripts",
            set_csp(csp.replace("script-src 'self'", "script-src 'self' blob:")),
        ),
        (
            "blob: images",
            set_csp(csp.replace("img-src 'self'", "img-src 'self' blob:")),
        ),
        (
            "unsafe-inline style",
            set_csp(csp.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")),
        ),
        (
            "remote image",
            set_csp(csp.replace("img-src 'self'", "img-src 'self' https://example.org")),
        ),
        (
            "wildcard",
            set_csp(csp.replace("default-src 'self'", "default-src *")),
        ),
        (
            "connect-src beyond ipc",
            set_csp(csp.replace("connect-src ipc:", "connect-src ipc: http://localhost:1420")),
        ),
        (
            "websocket",
            set_csp(csp.replace("connect-src ipc:", "connect-src ws: ipc:")),
        ),
        (
            "object-src dropped",
            set_csp(csp.replace("object-src 'none'; ", "")),
        ),
        (
            "no csp",
            Box::new(|c, _| c["app"]["security"]["csp"] = Value::Null),
        ),
        (
            "loose devCsp",
            Box::new(|c, _| {
                c["app"]["security"]["devCsp"] = "default-src 'self' 'unsafe-eval'".into()
            }),
        ),
        (
            "withGlobalTauri",
            Box::new(|c, _| c["app"]["withGlobalTauri"] = true.into()),
        ),
        (
            "withGlobalTauri absent",
            Box::new(|c, _| {
                c["app"]
                    .as_object_mut()
                    .map(|o| o.remove("withGlobalTauri"));
            }),
        ),
        (
            "not incognito",
            Box::new(|c, _| c["app"]["windows"][0]["incognito"] = false.into()),
        ),
        (
            "remote url",
            Box::new(|c, _| c["app"]["windows"][0]["url"] = "https://example.org".into()),
        ),
        (
            "asset protocol",
            Box::new(|c, _| {
                c["app"]["security"]["assetProtocol"] =
                    serde_json::json!({"enable": true, "scope": ["**"]})
            }),
        ),
        (
            "core:default",
            Box::new(|_, k| {
                k[0].1["permissions"]
                    .as_array_mut()
                    .into_iter()
                    .for_each(|a| a.push("core:default".into()))
            }),
        ),
        (
            "shell plugin",
            Box::new(|_, k| {
                k[0].1["permissions"]
                    .as_array_mut()
                    .into_iter()
                    .for_each(|a| a.push("shell:allow-execute".into()))
            }),
        ),
        (
            "dialog plugin",
            Box::new(|_, k| {
                k[0].1["permissions"]
                    .as_array_mut()
                    .into_iter()
                    .for_each(|a| a.push("dialog:default".into()))
            }),
        ),
        (
            "unknown command",
            Box::new(|_, k| {
                k[0].1["permissions"]
                    .as_array_mut()
                    .into_iter()
                    .for_each(|a| a.push("allow-read-any-file".into()))
            }),
        ),
        (
            "scoped permission",
            Box::new(|_, k| {
                k[0].1["permissions"].as_array_mut().into_iter().for_each(|a| a.push(serde_json::json!({"identifier": "fs:allow-read", "allow": [{"path": "**"}]})))
            }),
        ),
        (
            "every window",
            Box::new(|_, k| k[0].1["windows"] = serde_json::json!(["*"])),
        ),
        (
            "remote origin",
            Box::new(|_, k| {
                k[0].1["remote"] = serde_json::json!({"urls": ["https://*.example.org"]})
            }),
        ),
    ];
    let mut stats = crate::harness::Stats::new("config-gate");
    stats.case(
        "real-config-checked",
        problems(&conf, &caps, &commands).is_empty(),
    );
    let mut blind = Vec::new();
    for (name, mutate) in &mutations {
        let (mut c, mut k) = (conf.clone(), caps.clone());
        mutate(&mut c, &mut k);
        let caught = !problems(&c, &k, &commands).is_empty();
        stats.case(
            if caught {
                "weakening-caught"
            } else {
                "WEAKENING-MISSED"
            },
            caught,
        );
        if !caught {
            blind.push(*name);
        }
    }
    stats.report();
    assert!(
        blind.is_empty(),
        "the configuration gate must catch every weakening; it missed: {blind:?}"
    );
}
