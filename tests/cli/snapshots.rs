//! Snapshot scenarios: a fixed story told through the CLI, recorded as a transcript (command,
//! exit status, stdout, stderr) and compared with `tests/cli/snapshots/*.txt`. Ids (numbered in
//! order of appearance), times, hashes, the device id, the fingerprint and the vault path are
//! normalised, so the transcript is deterministic; any change to what the CLI prints shows up
//! as a readable diff. After an intended change, regenerate with
//! `SAKSI_UPDATE_SNAPSHOTS=1 cargo test -p saksi-cli --test cli snapshots` and review the diff.

use std::path::PathBuf;

use serde_json::json;

use crate::util::{normalise, TestVault};

struct Transcript {
    v: TestVault,
    text: String,
}

impl Transcript {
    fn new() -> Transcript {
        Transcript {
            v: TestVault::empty(),
            text: String::new(),
        }
    }

    /// Runs `saksi ARGS` (with `stdin`), records it, and returns stdout.
    fn step(&mut self, args: &[&str], stdin: Option<&str>) -> String {
        let out = match stdin {
            Some(s) => self.v.run_stdin(args, s),
            None => self.v.run(args),
        };
        self.text.push_str(&format!("$ saksi {}\n", args.join(" ")));
        if let Some(s) = stdin {
            for l in s.lines() {
                self.text.push_str(&format!("< {l}\n"));
            }
        }
        self.text.push_str(&out.stdout);
        for l in out.stderr.lines() {
            self.text.push_str(&format!("! {l}\n"));
        }
        self.text
            .push_str(&format!("[exit {}]\n\n", out.code.unwrap_or(-1)));
        out.stdout
    }

    fn id(&mut self, args: &[&str], stdin: &serde_json::Value) -> String {
        let pretty = serde_json::to_string_pretty(stdin).unwrap();
        self.step(args, Some(&pretty)).trim().to_string()
    }

    #[track_caller]
    fn check(self, name: &str) {
        let got = normalise(&self.text, &self.v.vault);
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/cli/snapshots")
            .join(format!("{name}.txt"));
        if std::env::var_os("SAKSI_UPDATE_SNAPSHOTS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &got).unwrap();
            return;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if got != want {
            let first = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(got.lines().count().min(want.lines().count()));
            panic!(
                "the CLI's output must match the snapshot {} (first difference at line {}; \
                 regenerate with SAKSI_UPDATE_SNAPSHOTS=1 if the change is intended)\n--- got ---\n{got}",
                path.display(),
                first + 1
            );
        }
    }
}

#[test]
fn story_of_an_arrest() {
    let mut t = Transcript::new();
    t.step(&["init", "--device-name", "field-1"], None);
    t.step(&["vocab", "role"], None);
    let inc = t.id(
        &["incident", "add"],
        &json!({
            "title": "Arrest of union leaders",
            "description": "Police arrested two leaders at the factory gate.",
            "kinds": ["arbitrary_arrest", "detention"],
            "start": {"date": "2023-05-02"},
            "place": {"name": "Phnom Penh", "admin_area": "Chamkarmon"},
            "people": {
                "p1": {"names": [{"name": "សុខ ដារា"}, {"name": "Sok Dara"}],
                       "affiliations": [{"organisation": "Free Trade Union", "role": "leader"}]},
                "p2": {"name": "Chan Sophea"}
            },
            "involvements": [
                {"person": "p1", "role": "victim", "act_type": "arrest"},
                {"person": "p2", "role": "witness"},
                {"role": "perpetrator", "perpetrator_type": "police",
                 "counting": {"unit": "group", "min": 4, "max": 7, "description": "riot police"}}
            ],
            "proceedings": [{"person": "p1", "kind": "detained", "date": {"date": "2023-05-02"},
                             "detention_place": "Prey Sar"}]
        }),
    );
    t.step(&["incident", "list"], None);
    t.step(&["incident", "show", &inc], None);
    t.step(&["incident", "show", &inc, "--json"], None);
    t.step(&["person", "list"], None);
    let detained = t.step(&["person", "list", "--detained", "--json"], None);
    let dara: serde_json::Value = serde_json::from_str(&detained).unwrap();
    let dara = dara[0]["id"].as_str().unwrap().to_string();
    t.step(&["person", "show", &dara], None);
    let tid = t.id(
        &["testimony", "add"],
        &json!({"incident_id": inc, "interviewer": "Monitor A", "language": "km",
                "body": "គេចាប់គាត់នៅមុខរោងចក្រ។",
                "consent": {"internal_use": true, "share_with_hq": true}}),
    );
    t.step(&["testimony", "list"], None);
    t.step(&["testimony", "show", &tid, "--json"], None);
    t.id(
        &["intervention", "add"],
        &json!({"incident_id": inc, "person_id": dara, "intervener": "Legal aid NGO",
                "kind": "legal_aid", "date": {"date": "2023-05-03"}}),
    );
    t.step(&["intervention", "list", "--json"], None);
    t.step(&["search", "ចក្រ"], None);
    t.step(&["search", "dara", "--json"], None);
    t.step(&["search", "--kind", "detention", "--place", "penh"], None);
    t.step(&["report", "detained"], None);
    t.step(
        &["report", "detained", "--affiliation", "union", "--json"],
        None,
    );
    t.step(&["device"], None);
    t.step(&["verify"], None);
    t.step(&["log"], None);
    t.check("story");
}

#[test]
fn errors_as_the_user_sees_them() {
    let mut t = Transcript::new();
    t.step(&["incident", "list"], None);
    t.step(&["init", "--device-name", "field-2"], None);
    t.step(&["init", "--device-name", "field-2"], None);
    t.step(&["incident", "add"], Some("{\"title\": \"t\",}"));
    t.step(
        &["incident", "add"],
        Some("{\"title\": \"t\", \"titel\": \"x\"}"),
    );
    t.step(
        &["incident", "add"],
        Some("{\"title\": \"t\", \"kinds\": [\"picnic\"]}"),
    );
    t.step(
        &["incident", "add"],
        Some("{\"title\": \"t\", \"start\": {\"date\": \"2023-02-30\"}}"),
    );
    t.step(
        &["incident", "show", "01900000-0000-7000-8000-000000000000"],
        None,
    );
    t.step(&["incident", "show", "42"], None);
    t.step(&["vocab", "colours"], None);
    t.step(&["wipe"], None);
    t.check("errors");
}

#[test]
fn escaped_text_and_the_human_views_of_proceedings_and_interventions() {
    let mut t = Transcript::new();
    t.step(&["init", "--device-name", "field-3"], None);
    // The inputs spell the bidi characters as JSON escapes, so this file holds none raw.
    let bidi_escaped = |v: serde_json::Value| {
        let mut s = serde_json::to_string_pretty(&v).unwrap();
        for c in ['\u{202e}', '\u{2066}', '\u{2069}'] {
            s = s.replace(c, &format!("\\u{:04x}", c as u32));
        }
        s
    };
    let inc = t.step(
        &["incident", "add"],
        Some(&bidi_escaped(json!({
            "title": "Arrest\u{1b}[2J at the gate\r\u{202e}etag\nsaksi: error: fake",
            "description": "first line\nsecond line\u{7}",
            "people": {"p": {"names": [{"name": "សុខ ដារា"}, {"name": "Sok\u{1b}]0;x\u{7}Dara"}]}},
            "involvements": [{"person": "p", "role": "victim"}],
            "proceedings": [{"person": "p", "kind": "detained", "date": {"date": "2023-05-02"},
                             "detention_place": "Prey Sar", "notes": "seen\u{2066}by\u{2069} lawyer"}]
        }))),
    );
    let inc = inc.trim().to_string();
    t.step(&["incident", "list"], None);
    // (Not in the transcript: --json is exact, so it would carry the raw bidi characters.)
    let shown = t.v.json(&["incident", "show", &inc, "--json"]);
    let proceeding = shown["proceedings"][0]["id"].as_str().unwrap().to_string();
    let person = shown["proceedings"][0]["person_id"]
        .as_str()
        .unwrap()
        .to_string();
    t.step(&["incident", "show", &inc], None);
    t.step(&["person", "list"], None);
    t.step(&["proceeding", "show", &proceeding], None);
    t.step(
        &["intervention", "add"],
        Some(&bidi_escaped(
            json!({"incident_id": inc, "person_id": person, "intervener": "Legal aid NGO",
                "addressee": "Court\u{202e}", "kind": "legal_aid", "date": {"date": "2023-05-03"}}),
        )),
    );
    t.step(&["intervention", "list"], None);
    t.step(&["search", "gate"], None);
    t.check("escapes");
}
