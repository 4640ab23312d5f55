//! Strong authentication of officials (migration 0022): TOTP secrets, one-time recovery codes,
//! what a session proves (enrolment-only, last re-authentication, second-factor time) and the
//! session lists of a user.

use serde::Serialize;
use time::OffsetDateTime;

use crate::{Result, Store, Tx};

/// The second-factor state of a user.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TotpState {
    /// Base32 secret of the enrolled authenticator (never logged, never shown again).
    pub totp_secret: Option<String>,
    /// Secret shown on the enrolment page, not yet confirmed with a code.
    pub totp_pending_secret: Option<String>,
    pub totp_enabled_at: Option<OffsetDateTime>,
    pub totp_last_step: Option<i64>,
}

/// What a session proves, beyond being live.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionProof {
    pub purpose: String,
    pub created_at: OffsetDateTime,
    pub reauth_at: Option<OffsetDateTime>,
    pub second_factor_at: Option<OffsetDateTime>,
}

/// A session as listed to its user or an administrator (never its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SessionInfo {
    pub id: i64,
    pub kind: String,
    pub purpose: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Store {
    pub async fn totp_state(&self, user_id: i64) -> Result<Option<TotpState>> {
        let r = with_pool!(self, p => sqlx::query_as::<_, TotpState>(
            "SELECT totp_secret, totp_pending_secret, totp_enabled_at, totp_last_step FROM users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_optional(p)
        .await)?;
        Ok(r)
    }

    pub async fn session_proof(&self, session_id: i64) -> Result<Option<SessionProof>> {
        let r = with_pool!(self, p => sqlx::query_as::<_, SessionProof>(
            "SELECT purpose, created_at, reauth_at, second_factor_at FROM sessions WHERE id = $1",
        )
        .bind(session_id)
        .fetch_optional(p)
        .await)?;
        Ok(r)
    }

    /// The live (unrevoked, unexpired) sessions of a user, newest first.
    pub async fn sessions_of_user(&self, user_id: i64) -> Result<Vec<SessionInfo>> {
        let now = crate::now_utc();
        let r = with_pool!(self, p => sqlx::query_as::<_, SessionInfo>(
            "SELECT id, kind, purpose, created_at, last_seen_at, expires_at, source_ip, user_agent \
             FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 \
             ORDER BY id DESC LIMIT 200",
        )
        .bind(user_id)
        .bind(now)
        .fetch_all(p)
        .await)?;
        Ok(r)
    }

    /// Unused recovery codes of a user.
    pub async fn recovery_codes_left(&self, user_id: i64) -> Result<i64> {
        let (n,): (i64,) = with_pool!(self, p => sqlx::query_as(
            "SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(p)
        .await)?;
        Ok(n)
    }
}

impl Tx {
    pub async fn totp_set_pending(&mut self, user_id: i64, secret: Option<&str>) -> Result<()> {
        let now = crate::now_utc();
        with_tx!(self, c => sqlx::query(
            "UPDATE users SET totp_pending_secret = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(secret)
        .bind(now)
        .bind(user_id)
        .execute(&mut *c)
        .await.map(|_| ()))?;
        Ok(())
    }

    /// Makes the pending secret the enrolled one; `step` is the step of the confirming code
    /// (it cannot be used again).
    pub async fn totp_enable(&mut self, user_id: i64, secret: &str, step: i64) -> Result<()> {
        let now = crate::now_utc();
        with_tx!(self, c => sqlx::query(
            "UPDATE users SET totp_secret = $1, totp_pending_secret = NULL, totp_enabled_at = $2, \
             totp_last_step = $3, updated_at = $2 WHERE id = $4",
        )
        .bind(secret)
        .bind(now)
        .bind(step)
        .bind(user_id)
        .execute(&mut *c)
        .await.map(|_| ()))?;
        Ok(())
    }

    /// Removes the second factor and every recovery code.
    pub async fn totp_disable(&mut self, user_id: i64) -> Result<()> {
        let now = crate::now_utc();
        with_tx!(self, c => sqlx::query(
            "UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_enabled_at = NULL, \
             totp_last_step = NULL, updated_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(user_id)
        .execute(&mut *c)
        .await.map(|_| ()))?;
        with_tx!(self, c => sqlx::query("DELETE FROM user_recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *c)
            .await.map(|_| ()))?;
        Ok(())
    }

    /// Records that the code of `step` was used; false when that step (or a later one) was
    /// already used — a replayed code.
    pub async fn totp_accept_step(&mut self, user_id: i64, step: i64) -> Result<bool> {
        let n = with_tx!(self, c => sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_secret IS NOT NULL \
             AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Replaces the recovery codes of a user by these hashes.
    pub async fn recovery_codes_replace(&mut self, user_id: i64, hashes: &[String]) -> Result<()> {
        let now = crate::now_utc();
        with_tx!(self, c => sqlx::query("DELETE FROM user_recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *c)
            .await.map(|_| ()))?;
        for h in hashes {
            with_tx!(self, c => sqlx::query(
                "INSERT INTO user_recovery_codes (user_id, code_hash, created_at, used_at) VALUES ($1, $2, $3, NULL)",
            )
            .bind(user_id)
            .bind(h)
            .bind(now)
            .execute(&mut *c)
            .await.map(|_| ()))?;
        }
        Ok(())
    }

    /// Uses a recovery code; false when no unused code has this hash.
    pub async fn recovery_code_use(&mut self, user_id: i64, hash: &str) -> Result<bool> {
        let now = crate::now_utc();
        let n = with_tx!(self, c => sqlx::query(
            "UPDATE user_recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .bind(hash)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Sets what a new session proves (right after [`Tx::session_insert`]).
    pub async fn session_set_proof(
        &mut self,
        session_id: i64,
        purpose: &str,
        reauth_at: Option<OffsetDateTime>,
        second_factor_at: Option<OffsetDateTime>,
    ) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "UPDATE sessions SET purpose = $1, reauth_at = $2, second_factor_at = $3 WHERE id = $4",
        )
        .bind(purpose)
        .bind(reauth_at)
        .bind(second_factor_at)
        .bind(session_id)
        .execute(&mut *c)
        .await.map(|_| ()))?;
        Ok(())
    }

    /// Records a re-authentication on a live session (and a second-factor check when given).
    pub async fn session_reauth(
        &mut self,
        session_id: i64,
        at: OffsetDateTime,
        second_factor: bool,
    ) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "UPDATE sessions SET purpose = 'full', reauth_at = $1, \
             second_factor_at = CASE WHEN $2 THEN $1 ELSE second_factor_at END \
             WHERE id = $3 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(second_factor)
        .bind(session_id)
        .execute(&mut *c)
        .await.map(|_| ()))?;
        Ok(())
    }

    /// Revokes every live session of a user but `keep` (a password change keeps the session
    /// that made it).
    pub async fn sessions_revoke_others(&mut self, user_id: i64, keep: i64) -> Result<u64> {
        let now = crate::now_utc();
        let n = with_tx!(self, c => sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND id <> $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .bind(keep)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n)
    }

    /// Revokes one session of `user_id`; false when it is not theirs or already ended.
    pub async fn session_revoke_of_user(&mut self, user_id: i64, session_id: i64) -> Result<bool> {
        let now = crate::now_utc();
        let n = with_tx!(self, c => sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(session_id)
        .bind(user_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }
}
