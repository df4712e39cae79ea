//! The first admin account: from `--admin-email`/`--admin-password`, or with a generated password
//! printed once and kept in `<data-dir>/admin-password.txt`.

use std::path::Path;

use anyhow::Context as _;
use bazaar_platform::{auth::Role, db::Db};
use bazaar_types::{Email, UserId};
use rand::distr::{Alphanumeric, SampleString as _};

use crate::{domain::User, hasher::Hasher, store};

/// Creates the admin account when none exists. Returns the generated password, if one was made.
///
/// # Errors
/// When the database fails or the e-mail address belongs to a customer.
pub async fn ensure_admin(
    db: &Db,
    hasher: &Hasher,
    email: &str,
    password: Option<&str>,
    data_dir: &Path,
) -> anyhow::Result<Option<String>> {
    if store::admin_exists(db).await? {
        return Ok(None);
    }
    let email = Email::parse(email).context("admin e-mail address")?;
    let generated = password.is_none().then(|| Alphanumeric.sample_string(&mut rand::rng(), 20));
    let password = password.or(generated.as_deref()).unwrap_or_default();
    let hash = hasher.hash(password).await?;
    let user = User {
        id: UserId::generate(),
        email: email.clone(),
        name: "Shop admin".to_owned(),
        role: Role::Admin,
        created_at_ms: bazaar_types::now_ms(),
    };
    let mut tx = db.begin().await?;
    anyhow::ensure!(
        store::insert_user(&mut tx, &user, &hash).await?,
        "the admin e-mail address {email} already belongs to a customer; choose another with --admin-email"
    );
    tx.commit().await?;
    if let Some(generated) = &generated {
        let path = data_dir.join("admin-password.txt");
        std::fs::create_dir_all(data_dir)?;
        write_private(&path, &format!("{email}\n{generated}\n"))
            .with_context(|| format!("writing {}", path.display()))?;
        tracing::warn!(
            email = %email,
            password = %generated,
            file = %path.display(),
            "created the admin account; its generated password is shown only now and kept in the file"
        );
    } else {
        tracing::info!(email = %email, "created the admin account");
    }
    Ok(generated)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}
