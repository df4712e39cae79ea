//! Password hashing with argon2id at OWASP's minimum cost (19 MiB, 2 passes, 1 lane).

use std::sync::LazyLock;

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHasher as _, PasswordVerifier as _, phc::PasswordHash},
};

fn argon2() -> Argon2<'static> {
    // OWASP's minimum for argon2id: m = 19456 KiB, t = 2, p = 1.
    let params = Params::new(19_456, 2, 1, None).unwrap_or(Params::DEFAULT);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string with a fresh random salt.
///
/// # Errors
/// When the random source fails.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| anyhow::anyhow!("hashing a password: {error}"))
}

/// Tells whether a password matches a stored PHC hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .is_ok_and(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash of a password nobody knows, so a sign-in for an unknown e-mail address costs as much
/// as one for a known address and timing reveals nothing.
static NOBODY: LazyLock<String> =
    LazyLock::new(|| hash_password("nobody's password, never valid").unwrap_or_default());

/// Spends the time of one verification and fails.
pub fn verify_against_nothing(password: &str) -> bool {
    let _ = verify_password(password, &NOBODY);
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_use_argon2id_at_owasp_cost() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert!(!verify_against_nothing("anything"));
    }

    #[test]
    fn salts_differ() {
        assert_ne!(
            hash_password("same password").unwrap(),
            hash_password("same password").unwrap()
        );
    }
}
