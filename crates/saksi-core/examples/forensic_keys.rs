//! Test support (feature `forensics`): prints `NAME<TAB>HEX` for the master key and the subkeys
//! of the vault in the folder given as the only argument, unwrapped from its key file with the
//! passphrase in `SAKSI_PASSPHRASE`. The memory-forensics e2e test searches a core dump of the
//! running app for these bytes; the app itself never exposes them.
//!
//!     cargo build -p saksi-core --features forensics --example forensic_keys

use std::path::PathBuf;

fn main() {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: forensic_keys VAULT_DIR (passphrase in SAKSI_PASSPHRASE)");
        std::process::exit(2);
    };
    let Ok(pass) = std::env::var("SAKSI_PASSPHRASE") else {
        eprintln!("forensic_keys: set SAKSI_PASSPHRASE");
        std::process::exit(2);
    };
    match saksi_core::vault::forensics::keys(&dir, &secrecy::SecretString::from(pass)) {
        Ok(keys) => {
            for (name, key) in keys {
                println!("{name}\t{}", hex::encode(key.as_ref()));
            }
        }
        Err(e) => {
            eprintln!("forensic_keys: {e}");
            std::process::exit(1);
        }
    }
}
