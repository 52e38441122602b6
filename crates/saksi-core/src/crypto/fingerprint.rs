//! The spoken fingerprint: 30 digits in groups of five, easy to compare by voice in any language.

use sha2::{Digest, Sha256};

/// Six groups of five digits from SHA-256 of `domain` followed by `key`. The domain separates
/// the kinds of key (a device's Ed25519 key, an age recipient), so one key can never be read out
/// as another kind's fingerprint.
pub(crate) fn spoken(domain: &[u8], key: &[u8]) -> String {
    digits(&Sha256::digest([domain, key].concat()))
}

/// Thirty digits in groups of five from the first 24 bytes of a SHA-256 digest, for fingerprints
/// hashed over more than one key (a device card).
pub(crate) fn digits(digest: &[u8]) -> String {
    digest
        .chunks(4)
        .take(6)
        .map(|c| {
            let n = u32::from_be_bytes([c[0], c[1], c[2], c[3]]) % 100_000;
            format!("{n:05}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::spoken;

    #[test]
    fn spoken_fingerprints_keep_the_digits_people_have_already_compared() {
        // Vectors computed from the two functions this one replaced (device keys and age
        // recipients): a fingerprint read over the phone before must read the same after.
        assert_eq!(
            spoken(b"saksi-fingerprint-v1", &(0u8..32).collect::<Vec<_>>()),
            "04256 85241 18143 70611 83761 31858",
            "a device key's fingerprint must not change"
        );
        assert_eq!(
            spoken(b"saksi-age-fingerprint-v1\n", b"age1example"),
            "78214 21621 91084 98896 29495 65265",
            "an age recipient's fingerprint must not change"
        );
    }
}
