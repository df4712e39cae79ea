//! Password hashing with argon2id at OWASP's minimum cost (19 MiB, 2 passes, 1 lane), stored as
//! standard PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
//!
//! The 19 MiB each computation works in is allocated once per thread and reused while the thread
//! keeps hashing (see [`release_hashing_memory`]): allocating it afresh for every hash left freed
//! blocks in the allocator's per-thread arenas, and a busy identity service grew by hundreds of MiB.

use std::{cell::RefCell, sync::LazyLock};

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::phc::{Output, ParamsString, PasswordHash, Salt},
};

/// OWASP's minimum for argon2id: m = 19456 KiB, t = 2, p = 1.
fn params() -> Params {
    Params::new(19_456, 2, 1, None).unwrap_or(Params::DEFAULT)
}

thread_local! {
    /// This thread's argon2 working memory, grown to the largest cost seen.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Gives this thread's working memory back (a thread that stopped hashing for a while).
pub fn release_hashing_memory() {
    MEMORY.with(|memory| {
        if let Ok(mut memory) = memory.try_borrow_mut() {
            *memory = Vec::new();
        }
    });
}

/// Computes the raw hash of `password` with `salt` into `out`, in this thread's working memory.
fn compute(argon2: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> bool {
    MEMORY.with(|memory| {
        let Ok(mut memory) = memory.try_borrow_mut() else { return false };
        let needed = argon2.params().block_count();
        if memory.len() < needed {
            memory.resize(needed, Block::new());
        }
        argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..needed]).is_ok()
    })
}

/// Hashes a password into a PHC string with a fresh random salt.
///
/// # Errors
/// When the hash cannot be computed or encoded.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let params = params();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt: [u8; 16] = rand::random();
    let mut out = [0_u8; 32];
    anyhow::ensure!(
        compute(&argon2, password.as_bytes(), &salt, &mut out),
        "hashing a password failed"
    );
    let encoding =
        |error: &dyn std::fmt::Display| anyhow::anyhow!("encoding a password hash: {error}");
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|error| encoding(&error))?,
        salt: Some(Salt::new(&salt).map_err(|error| encoding(&error))?),
        hash: Some(Output::new(&out).map_err(|error| encoding(&error))?),
    };
    Ok(hash.to_string())
}

/// Tells whether a password matches a stored PHC hash (any argon2 variant and cost).
pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else { return false };
    let (Ok(algorithm), Ok(params)) =
        (Algorithm::try_from(parsed.algorithm.as_str()), Params::try_from(&parsed))
    else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0_u8; expected.len()];
    // `Output` compares in constant time.
    compute(&argon2, password.as_bytes(), salt, &mut out)
        && Output::new(&out).is_ok_and(|computed| &computed == expected)
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
    use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};

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

    #[test]
    fn agrees_with_the_argon2_crates_own_hashing() {
        let library = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());
        let theirs = library.hash_password(b"correct horse battery").unwrap().to_string();
        assert!(verify_password("correct horse battery", &theirs));
        assert!(!verify_password("correct horse batterY", &theirs));
        let ours = hash_password("correct horse battery").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(library.verify_password(b"correct horse battery", &parsed).is_ok());
    }
}
