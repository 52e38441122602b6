//! One home per cryptographic primitive: each is written once here and used by everyone (vault,
//! evidence, bundles, device). Nothing here knows about records or the model layer.

pub(crate) mod blob;
pub(crate) mod fingerprint;
pub(crate) mod hash;
pub(crate) mod kdf;
pub(crate) mod wrap;
