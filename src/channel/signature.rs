//! Webhook signatures: HMAC-SHA256 over the raw request body, compared in
//! constant time.
//!
//! Networks sign each webhook request with a secret they share with the
//! brand's app: Meta and WhatsApp send `X-Hub-Signature-256: sha256=<hex>`
//! (key: the app secret), X sends `x-twitter-webhooks-signature:
//! sha256=<base64>` (key: the consumer secret). Verify the bytes exactly as
//! they arrived, before parsing: re-serialised JSON would not match.
//!
//! ```
//! use caredesk::channel::signature::{sign_sha256_hex, verify_sha256_hex, SignatureError};
//! let body = br#"{"object":"page","entry":[]}"#;
//! let header = sign_sha256_hex(b"app-secret", body);
//! verify_sha256_hex(b"app-secret", body, Some(&header))?;
//! assert_eq!(
//!     verify_sha256_hex(b"other-secret", body, Some(&header)),
//!     Err(SignatureError::Mismatch)
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The request carried no signature header: refuse it (HTTP 401).
    #[error("the signature header is missing")]
    Missing,
    /// The header is not `sha256=` followed by a digest in the expected
    /// encoding: refuse it (HTTP 401).
    #[error("the signature header is malformed: {0}")]
    Malformed(&'static str),
    /// The digest does not match the body: forged, altered or signed with
    /// another secret. Refuse it (HTTP 401).
    #[error("the signature does not match the body")]
    Mismatch,
}

fn mac(secret: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length (long keys are hashed first), so
    // `new_from_slice` cannot fail for HMAC-SHA256.
    match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

/// The HMAC-SHA256 of `data` under `secret`.
pub fn hmac_sha256(secret: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = mac(secret);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Whether two byte strings are equal, in time that depends only on their
/// lengths (for comparing tokens such as Meta's `hub.verify_token`).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

fn digest_part(header: Option<&str>) -> Result<&str, SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    if header.is_empty() {
        return Err(SignatureError::Missing);
    }
    header
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Malformed("expected the prefix sha256="))
}

fn verify_digest(secret: &[u8], body: &[u8], digest: &[u8]) -> Result<(), SignatureError> {
    let mut mac = mac(secret);
    mac.update(body);
    // `verify_slice` compares in constant time (it uses `subtle`).
    mac.verify_slice(digest)
        .map_err(|_| SignatureError::Mismatch)
}

/// Signs `body` the way Meta and WhatsApp do: `sha256=<lower-case hex>`.
pub fn sign_sha256_hex(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", hex::encode(hmac_sha256(secret, body)))
}

/// Checks a `sha256=<hex>` header (Meta's `X-Hub-Signature-256`) against
/// the raw body.
///
/// # Errors
/// [`SignatureError::Missing`] without a header, [`SignatureError::Malformed`]
/// when it is not `sha256=` and 64 hex digits, [`SignatureError::Mismatch`]
/// when the digest differs.
pub fn verify_sha256_hex(
    secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let digest = digest_part(header)?;
    if digest.len() != 64 {
        return Err(SignatureError::Malformed("expected 64 hex digits"));
    }
    let digest = hex::decode(digest).map_err(|_| SignatureError::Malformed("not hexadecimal"))?;
    verify_digest(secret, body, &digest)
}

/// Signs `body` the way X does: `sha256=<base64>`.
#[cfg(feature = "x")]
pub fn sign_sha256_base64(secret: &[u8], body: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "sha256={}",
        base64::engine::general_purpose::STANDARD.encode(hmac_sha256(secret, body))
    )
}

/// Checks a `sha256=<base64>` header (X's `x-twitter-webhooks-signature`)
/// against the raw body.
///
/// # Errors
/// As [`verify_sha256_hex`], with base64 in place of hex.
#[cfg(feature = "x")]
pub fn verify_sha256_base64(
    secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    use base64::Engine as _;
    let digest = digest_part(header)?;
    let digest = base64::engine::general_purpose::STANDARD
        .decode(digest)
        .map_err(|_| SignatureError::Malformed("not base64"))?;
    if digest.len() != 32 {
        return Err(SignatureError::Malformed("expected a 32-byte digest"));
    }
    verify_digest(secret, body, &digest)
}

/// Why Meta's subscription handshake (a GET with `hub.mode`,
/// `hub.verify_token` and `hub.challenge`) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// `hub.mode` is missing or not `subscribe` (answer 400).
    #[error("hub.mode must be subscribe")]
    NotSubscribe,
    /// `hub.challenge` is missing (answer 400).
    #[error("hub.challenge is missing")]
    MissingChallenge,
    /// `hub.verify_token` is missing or differs from the configured token
    /// (answer 403).
    #[error("hub.verify_token does not match")]
    TokenMismatch,
}

/// Answers Meta's webhook verification request (Facebook, Instagram and
/// WhatsApp share it): with `hub.mode=subscribe` and the configured verify
/// token, the answer is the `hub.challenge` echoed back as the body.
///
/// ```
/// use caredesk::channel::signature::subscription_challenge;
/// let body = subscription_challenge("s3cret", Some("subscribe"), Some("s3cret"), Some("1158201444"))?;
/// assert_eq!(body, "1158201444");
/// assert!(subscription_challenge("s3cret", Some("subscribe"), Some("guess"), Some("1")).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`HandshakeError`] saying which parameter is wrong.
pub fn subscription_challenge(
    verify_token: &str,
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&str>,
) -> Result<String, HandshakeError> {
    if mode != Some("subscribe") {
        return Err(HandshakeError::NotSubscribe);
    }
    let token = token.ok_or(HandshakeError::TokenMismatch)?;
    if !constant_time_eq(token.as_bytes(), verify_token.as_bytes()) {
        return Err(HandshakeError::TokenMismatch);
    }
    challenge
        .map(str::to_owned)
        .ok_or(HandshakeError::MissingChallenge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_the_rfc_4231_test_vector() {
        // RFC 4231, test case 2.
        let digest = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(digest),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hex_signature_round_trips_and_refuses_changes() {
        let header = sign_sha256_hex(b"s", b"body");
        assert_eq!(verify_sha256_hex(b"s", b"body", Some(&header)), Ok(()));
        assert_eq!(
            verify_sha256_hex(b"s", b"body!", Some(&header)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_sha256_hex(b"s", b"body", None),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_sha256_hex(b"s", b"body", Some("sha1=abc")),
            Err(SignatureError::Malformed("expected the prefix sha256="))
        );
        assert_eq!(
            verify_sha256_hex(b"s", b"body", Some(&header[..20])),
            Err(SignatureError::Malformed("expected 64 hex digits"))
        );
        let not_hex = format!("sha256={}", "zz".repeat(32));
        assert_eq!(
            verify_sha256_hex(b"s", b"body", Some(&not_hex)),
            Err(SignatureError::Malformed("not hexadecimal"))
        );
    }

    #[cfg(feature = "x")]
    #[test]
    fn base64_signature_round_trips_and_refuses_changes() {
        let header = sign_sha256_base64(b"s", b"body");
        assert_eq!(verify_sha256_base64(b"s", b"body", Some(&header)), Ok(()));
        assert_eq!(
            verify_sha256_base64(b"t", b"body", Some(&header)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_sha256_base64(b"s", b"body", Some("sha256=!!")),
            Err(SignatureError::Malformed("not base64"))
        );
        assert_eq!(
            verify_sha256_base64(b"s", b"body", Some("sha256=AAAA")),
            Err(SignatureError::Malformed("expected a 32-byte digest"))
        );
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"token", b"token"));
        assert!(!constant_time_eq(b"token", b"tokem"));
        assert!(!constant_time_eq(b"token", b"token2"));
    }
}
