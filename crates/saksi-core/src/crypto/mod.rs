//! One home per cryptographic primitive: each is written once here and used by everyone (vault,
//! evidence, bundles, device). Nothing here knows about records or the model layer; every
//! primitive comes from a vetted crate (ed25519-dalek, RustCrypto, age): only encodings and
//! wiring live here.

pub(crate) mod blob;
pub(crate) mod fingerprint;
pub(crate) mod hash;
pub(crate) mod kdf;
pub mod minisign;
pub(crate) mod pipe;
pub(crate) mod wrap;
