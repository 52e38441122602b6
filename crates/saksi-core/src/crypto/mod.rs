//! The cryptographic encodings Saksi uses, in one place. Only encodings and wiring live here:
//! every primitive comes from a vetted crate (ed25519-dalek, RustCrypto, age).

pub mod minisign;
