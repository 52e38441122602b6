//! End-to-end tests of the `saksi` command line: each test drives the real binary against its own
//! temporary vault (fast key derivation, `SAKSI_KDF=minimum`) and checks what a monitor, a seizer
//! or an HQ script would see. Unit tests of the core sit beside its code.
//!
//! Run with `cargo test -p saksi-cli --test cli`.

// Shared helpers: a temporary vault, running saksi, parsing its JSON, hashing and scanning files,
// normalising output for snapshots.
// The kit shared by every suite that drives the binary (not all of it is used here).
#[allow(dead_code)]
mod util;

// Invariant 1: no plaintext of any record (Latin or Khmer canaries in every text field), no
// SQLite header and no passphrase anywhere in or beside the vault folder once saksi has closed it.
mod canary;

// Invariant 3 and the key hierarchy: a wrong passphrase is a clear error and changes no byte;
// `saksi passwd` re-wraps the master key; passphrase files.
mod passphrase;

// `saksi init`: refuses to overwrite a vault or fill a foreign folder; refuses weak passphrases.
mod init;

// `saksi wipe`: refuses without --yes; crypto-erases the key file; a saved copy of the database
// cannot be opened afterwards.
mod wipe;

// Search: Khmer substrings (long and one/two code points), case-insensitive Latin, every filter
// both including and excluding.
mod search;

// The happy path of every command, checked through its JSON output.
mod commands;

// The main errors of every command (invariant 8): one clear line, exit 1, nothing lost.
mod errors;

// Snapshot scenarios of the human and JSON output, with ids and times normalised.
mod snapshots;

// Crash safety: SIGKILL a writing saksi at random moments; acknowledged writes survive, nothing is
// half-applied, the vault verifies clean.
mod crash;

// Output: terminal escapes in stored or bundled text are neutralised (JSON stays exact), every
// data-printing command speaks --json, a closed pipe ends quietly, input is read before unlocking.
mod output;
// `saksi incident update` as one whole edit: acts changed in place, stale versions refused, the
// count ceiling; and its crash safety (SIGKILL on an incident with many acts leaves exactly the
// old or exactly the new incident, never a mix).
mod edit;
// `saksi person merge` / `unmerge`: a link beside both records, shown by `person show` and
// `person list`, custody-logged, undone by unmerge; refusals change no byte.
mod merge;

// `saksi person duplicates`: one person written in Khmer and Latin by two monitors is suggested
// with its reasons; two people who share only a family name are not.
mod duplicates;
// Recovery key, backup and restore (issue 16).
mod recovery;
// Voice and video evidence (issue 13): duration and codecs shown, a test-tone recording stored
// encrypted with its hash, no plaintext audio on disk.
mod media;
// Deletions (issue 13): `… delete --reason`, what goes with what, refusals, `saksi deletions`.
mod deletion;

// `saksi --read-only`: a whole review session leaves every byte of the vault folder as it was;
// every kind of write is refused with one clear error and changes nothing.
mod read_only;

// `saksi history`: every version of an edited record, its custody agreement and its diff.
mod history;

// Reports (issue 10c): the HQ scenario of tests/data/hq-scenario.md, every figure checked by hand;
// report formats (CSV with BOM, self-contained HTML with escaping), categories, groups, countries.
mod reports;
mod scenario;

// `incident|person|testimony add --jsonl`: JSON Lines in batches of 1,000 per transaction, one
// custody entry per record, errors naming the line, a refused batch storing nothing.
mod jsonl;

// `saksi report uwazi` (issue 10): the Uwazi import zip read back, its CSV conventions, consent
// per purpose (canaries), restricted incidents.
mod uwazi;
// `saksi case` (issue 11): case files and court folders; the folder is byte-identical for the
// same case, and every command of its VERIFY.txt passes with the real sha256sum, minisign and
// jq, and fails once one byte of one exhibit changes.
mod case;
// Annotations and review mode (issue 11).
mod annotate;
// Redacted copies (issue 11): `evidence redact`, `testimony pseudonymise`, the links shown, and
// publication exports that carry copies in place of originals where consent asks for anonymity.
mod redact;
// The duress passphrase (issue 16): every command opens the decoy under it, nothing real is
// reachable from it; the erase option; `duress set|remove|status`.
mod duress;
// `saksi testimony withdraw` (issue 13): consent withdrawn as its own signed entry, shown by
// `testimony show`; refusals with their own kinds change no byte; case files refuse the items.
mod consent;
// A restore that takes a new device identity (issue 16): HQ learns from the next bundle that
// the old device is replaced and refuses the old laptop's bundles; without the flag the
// identity stays.
mod restore_device;
