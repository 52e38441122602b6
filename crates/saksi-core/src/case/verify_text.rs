//! `VERIFY.txt`: how anyone checks a court folder with standard tools only, step by step, and
//! what only Saksi can check. Every command is on its own line starting with `    $ `, run in
//! the folder, so that a test can run them all (tests/cli/case.rs does).

use super::CaseFile;

/// The steps, for the folder of `case` signed by the device `signer` with minisign key `key`.
/// `first_entry` is the entry hash of the first line of `custody.jsonl`.
pub(super) fn text(case: &CaseFile, key: &str, signer: &str, first_entry: Option<&str>) -> String {
    let entry = match first_entry {
        Some(h) => format!(
            "\
3. Check a custody entry's hash (the tool jq is needed). Each line of custody.jsonl is one
   entry of the custody log of these exhibits. An entry's hash is the SHA-256 of the text
   \"saksi-custody-v1\" and a newline, followed by the entry's fields seq, id, at, device_id,
   action, subject_type, subject_id, content_hash, details and prev_hash as compact JSON, in
   that order. For the first line:

    $ head -n 1 custody.jsonl | jq -cj '{{seq,id,at,device_id,action,subject_type,subject_id,content_hash,details,prev_hash}}' | (printf 'saksi-custody-v1\\n'; cat) | sha256sum

   The hash printed must be the entry's own entry_hash, which for the first line is
   {h}
   as this command also prints:

    $ head -n 1 custody.jsonl | jq -r .entry_hash

   For another line, replace \"head -n 1\" with \"sed -n 5p\" (line 5). Each entry names the
   device that made it (device_id) and carries that device's Ed25519 public key (public_key)
   and its signature over entry_hash (signature); devices.json lists every device's keys.
"
        ),
        None => "3. custody.jsonl is empty: no custody entry is held for these exhibits.\n".into(),
    };
    format!(
        "\
HOW TO CHECK THIS COURT FOLDER
==============================

Case: {title}
Case id: {id}
Case file made: {made}
Signed by the Saksi device {signer}
  minisign public key: {key}

What the folder holds
- exhibits/       the original files, named by exhibit number (E-001-…), byte for byte as
                  they were taken in: their SHA-256 is the one recorded at intake.
- exhibits.html   the exhibit list, to print (English and Khmer); exhibits.csv, the same list
                  for a spreadsheet.
- custody.jsonl   the custody log of these exhibits, one signed entry per line.
- devices.json    every device that signed an entry, with its fingerprint and public keys.
- SHA256SUMS      the SHA-256 of every file above; SHA256SUMS.minisig, its signature.

Run these commands in this folder (Debian and Ubuntu: apt install coreutils minisign jq).

1. Check that no file was changed, added to the list or lost:

    $ sha256sum -c SHA256SUMS

   Every line must end in \"OK\". A single changed byte in any file shows as FAILED.

2. Check that SHA256SUMS was signed by the device above, and not changed since:

    $ minisign -Vm SHA256SUMS -P {key}

   It must print \"Signature and comment signature verified\". Compare the key in this command
   with the one the lawyer who made the folder gave you by another way (a letter, a call):
   a forger who changes the files can also change this text.

{entry}
4. Compare your copy with another one by one hash: the SHA-256 of SHA256SUMS, which lists
   every other file. The same case gives the same folder, byte for byte:

    $ sha256sum SHA256SUMS

What needs Saksi (or a program written for it)
- Checking each custody entry's Ed25519 signature, that its key is the key of the device it
  names, and that the entries of each device form an unbroken chain (prev_hash): standard
  tools do not check raw Ed25519 signatures. In Saksi: saksi verify, and saksi evidence show
  for one item.
- The spoken fingerprints in devices.json and exhibits.html (six groups of five digits) are
  derived from the keys by Saksi; read them aloud to compare keys by telephone.
",
        title = case.title.replace(['\n', '\r'], " "),
        id = case.id,
        made = case.created_at,
    )
}
